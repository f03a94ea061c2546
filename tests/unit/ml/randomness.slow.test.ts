/** Everything seeded in src/ml varies where it must (dropout masks, initial weights, shuffles, flips) and repeats for the same seed. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../src/ga/rng';
import { IMAGE_SIDE, IMAGE_SIZE, USAGE_PUBLIC, USAGE_TRAINING, type Dataset } from '../../../src/data/dataset';
import { makeBatch } from '../../../src/ml/batches';
import { dropoutState, restoreDropoutState } from '../../../src/ml/dropout';
import { exportModel } from '../../../src/ml/export';
import { buildModel, type NetworkSettings } from '../../../src/ml/model';
import { snapshotWeights, trainCandidate, type TrainProgress, type TrainSettings } from '../../../src/ml/train';
import { halvesDataset, micro, rowsOf } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

const NET: NetworkSettings = { denseUnits: 64, dropoutConv: 0.25, dropoutDense: 0.5 };

/** Which units one training-mode call of a dropout layer keeps (1) or drops (0), on an input of ones. */
function mask(layer: tf.layers.Layer, shape: number[]): number[] {
  return tf.tidy(() => {
    const out = layer.apply(tf.ones(shape), { training: true }) as tf.Tensor;
    return Array.from(tf.notEqual(out, 0).dataSync());
  });
}

const weightsOf = (model: tf.LayersModel): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('dropout draws a fresh mask at every training step, reproducibly', () => {
  beforeAll(useWasm);

  it('two steps of the same layer drop different units', () => {
    const model = buildModel(micro('adam', 0.001), NET, 123);
    for (const name of ['drop1', 'drop2', 'drop3', 'drop_dense']) {
      const layer = model.getLayer(name);
      const first = mask(layer, [8, 64]);
      const second = mask(layer, [8, 64]);
      expect(first, name).not.toEqual(second);
    }
    model.dispose();
  });

  it('keeps 1 - rate of the units over many steps (within 2%), scaled by 1 / (1 - rate)', () => {
    const model = buildModel(micro('adam', 0.001), NET, 5);
    for (const [name, rate] of [
      ['drop1', NET.dropoutConv],
      ['drop_dense', NET.dropoutDense],
    ] as const) {
      const layer = model.getLayer(name);
      let kept = 0;
      let total = 0;
      const perUnit = new Array<number>(64).fill(0);
      for (let step = 0; step < 200; step++) {
        const m = mask(layer, [4, 64]);
        m.forEach((v, i) => (perUnit[i % 64] = (perUnit[i % 64] ?? 0) + v));
        kept += m.reduce((a, b) => a + b, 0);
        total += m.length;
      }
      expect(Math.abs(kept / total - (1 - rate)), name).toBeLessThan(0.02);
      // A repeated mask would keep some units always and others never.
      expect(Math.min(...perUnit), name).toBeGreaterThan(0);
      expect(Math.max(...perUnit), name).toBeLessThan(800);
      const scaled = tf.tidy(() =>
        Array.from((layer.apply(tf.ones([2, 64]), { training: true }) as tf.Tensor).dataSync()),
      );
      for (const v of scaled) expect([0, 1 / (1 - rate)]).toContainEqual(expect.closeTo(v, 5));
    }
    model.dispose();
  });

  it('is the identity at inference', () => {
    const model = buildModel(micro('adam', 0.001), NET, 5);
    const out = tf.tidy(() =>
      Array.from((model.getLayer('drop_dense').apply(tf.ones([3, 64]), { training: false }) as tf.Tensor).dataSync()),
    );
    expect(out).toEqual(new Array<number>(3 * 64).fill(1));
    model.dispose();
  });

  it('gives the same sequence of masks for the same seed and another for another seed', () => {
    const sequence = (seed: number): number[][] => {
      const model = buildModel(micro('adam', 0.001), NET, seed);
      const layer = model.getLayer('drop2');
      const masks = Array.from({ length: 5 }, () => mask(layer, [4, 64]));
      model.dispose();
      return masks;
    };
    const a = sequence(77);
    expect(sequence(77)).toEqual(a);
    expect(sequence(78)).not.toEqual(a);
  });

  it('continues the same sequence from a saved state', () => {
    const a = buildModel(micro('adam', 0.001), NET, 9);
    const shapes = [4, 64];
    for (let i = 0; i < 3; i++) for (const n of ['drop1', 'drop_dense']) mask(a.getLayer(n), shapes);
    const state = dropoutState(a);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    const expected = ['drop1', 'drop_dense'].map((n) => mask(a.getLayer(n), shapes));
    const b = buildModel(micro('adam', 0.001), NET, 9);
    restoreDropoutState(b, state);
    expect(['drop1', 'drop_dense'].map((n) => mask(b.getLayer(n), shapes))).toEqual(expected);
    a.dispose();
    b.dispose();
  });

  it('exports as the stock Dropout layer, so a plain tf.loadLayersModel reads it', async () => {
    const model = buildModel(micro('adam', 0.001), NET, 3);
    const exported = await exportModel(model, {});
    const topology = JSON.parse(exported.modelJson) as {
      modelTopology: { config: { layers: { class_name: string }[] } };
    };
    const classes = new Set(topology.modelTopology.config.layers.map((l) => l.class_name));
    expect([...classes].sort()).toEqual([
      'BatchNormalization',
      'Conv2D',
      'Dense',
      'Dropout',
      'Flatten',
      'MaxPooling2D',
    ]);
    const json = JSON.parse(exported.modelJson) as {
      modelTopology: object;
      weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    };
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: exported.weights,
      }),
    );
    const x = tf.randomUniform([2, IMAGE_SIDE, IMAGE_SIDE, 1], 0, 1, 'float32', 1);
    const want = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    const got = tf.tidy(() => Array.from((loaded.predict(x) as tf.Tensor).dataSync()));
    got.forEach((p, i) => expect(p).toBeCloseTo(want[i] as number, 6));
    tf.dispose([x]);
    loaded.dispose();
    model.dispose();
  });
});

describe('initial weights are seeded per layer', () => {
  beforeAll(useWasm);

  it('repeat for the same seed (0 included), differ for another seed and between layers of one shape', () => {
    for (const seed of [0, 1, 4_000_000_000]) {
      const a = buildModel(micro('adam', 0.001), NET, seed);
      const b = buildModel(micro('adam', 0.001), NET, seed);
      expect(weightsOf(a), `seed ${seed}`).toEqual(weightsOf(b));
      // conv2..conv6 are all 3x3x4x4: seeded alike they would start equal.
      const kernels = ['conv2', 'conv3', 'conv4', 'conv5', 'conv6'].map((n) =>
        Array.from((a.getLayer(n).getWeights()[0] as tf.Tensor).dataSync()),
      );
      expect(new Set(kernels.map((k) => k.join())).size).toBe(kernels.length);
      a.dispose();
      b.dispose();
    }
    const c = buildModel(micro('adam', 0.001), NET, 1);
    const d = buildModel(micro('adam', 0.001), NET, 2);
    const [wc, wd] = [weightsOf(c), weightsOf(d)];
    // Kernels (conv1's) differ; biases and batch-norm statistics start at the same constants.
    expect(wc[0]).not.toEqual(wd[0]);
    c.dispose();
    d.dispose();
  });
});

describe('shuffles and flips vary between epochs and batches', () => {
  beforeAll(useWasm);

  /** Per-batch losses, recovered from the running means the trainer reports. */
  function batchLosses(progress: TrainProgress[], epoch: number, batchSize: number, rows: number): number[] {
    const ps = progress.filter((p) => p.kind === 'batch' && p.epoch === epoch);
    let prev = 0;
    return ps.map((p, i) => {
      const seen = Math.min((i + 1) * batchSize, rows);
      const sum = p.loss * seen;
      const loss = (sum - prev) / (seen - Math.min(i * batchSize, rows));
      prev = sum;
      return loss;
    });
  }

  it('a frozen network (SGD, learning rate 0) sees other batches in epoch 2 than in epoch 1, and the same ones for the same seed', async () => {
    const data = halvesDataset(24, 3);
    const train = rowsOf(data.usage, USAGE_TRAINING);
    const settings: TrainSettings = {
      epochs: 2,
      batchSize: 8,
      patience: 0,
      augmentFlip: false,
      network: { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 },
    };
    const run = async (seed: number): Promise<{ e1: number[]; e2: number[] }> => {
      const progress: TrainProgress[] = [];
      const { model } = await trainCandidate(
        { chromosome: micro('sgd', 0), data, train, val: rowsOf(data.usage, USAGE_PUBLIC), settings, seed },
        // Per-batch losses need a progress event after every batch: figures read after each one.
        { onProgress: (p) => progress.push(p), readEvery: 1 },
      );
      model?.dispose();
      return { e1: batchLosses(progress, 1, 8, train.length), e2: batchLosses(progress, 2, 8, train.length) };
    };
    const a = await run(4);
    expect(a.e1).toHaveLength(6);
    expect(a.e2).not.toEqual(a.e1);
    expect(await run(4)).toEqual(a);
    expect((await run(5)).e1).not.toEqual(a.e1);
  });

  it('flip augmentation mirrors about half the images, a different half at every batch', () => {
    const rng0 = Rng.fromSeed(1);
    const images = new Uint8Array(16 * IMAGE_SIZE).map(() => rng0.int(0, 255));
    const data: Dataset = {
      name: 'noise',
      synthetic: true,
      count: 16,
      images,
      labels: new Uint8Array(16),
      usage: new Uint8Array(16),
    };
    const rows = Int32Array.from({ length: 16 }, (_, i) => i);
    const flipped = (rng: Rng): boolean[] => {
      const { xs, ys } = makeBatch(data, rows, 0, 16, rng);
      const px = xs.dataSync();
      tf.dispose([xs, ys]);
      // Row 0 of each image: mirrored when its first pixel is the source's last pixel of that row.
      return Array.from(
        { length: 16 },
        (_, i) =>
          Math.round((px[i * IMAGE_SIZE] as number) * 255) === images[i * IMAGE_SIZE + IMAGE_SIDE - 1] &&
          images[i * IMAGE_SIZE] !== images[i * IMAGE_SIZE + IMAGE_SIDE - 1],
      );
    };
    const rng = Rng.fromSeed(42);
    const batches = Array.from({ length: 50 }, () => flipped(rng));
    expect(batches[1]).not.toEqual(batches[0]);
    const fraction = batches.flat().filter(Boolean).length / (50 * 16);
    expect(Math.abs(fraction - 0.5)).toBeLessThan(0.06);
    const again = Rng.fromSeed(42);
    expect(Array.from({ length: 50 }, () => flipped(again))).toEqual(batches);
  });
});

describe('training is reproducible from the seed', () => {
  beforeAll(useWasm);

  it('two trainings with the same seed give identical weights, another seed other weights', async () => {
    const data = halvesDataset(12, 8);
    const settings: TrainSettings = {
      epochs: 2,
      batchSize: 4,
      patience: 0,
      augmentFlip: true,
      network: { denseUnits: 16, dropoutConv: 0.25, dropoutDense: 0.5 },
    };
    const rows = rowsOf(data.usage, USAGE_TRAINING);
    const train = async (seed: number): Promise<Float32Array[]> => {
      const { model } = await trainCandidate({
        chromosome: micro('adam', 0.005),
        data,
        train: rows,
        val: rowsOf(data.usage, USAGE_PUBLIC),
        settings,
        seed,
      });
      if (!model) throw new Error('training failed');
      // Every training step drew one mask per dropout layer.
      const steps = settings.epochs * Math.ceil(rows.length / settings.batchSize);
      expect(dropoutState(model)).toEqual({ drop1: steps, drop2: steps, drop3: steps, drop_dense: steps });
      const snap = await snapshotWeights(model);
      model.dispose();
      return snap.values;
    };
    const a = await train(31);
    expect(await train(31)).toEqual(a);
    expect(await train(32)).not.toEqual(a);
  });
});
