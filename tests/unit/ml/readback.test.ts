import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../../../src/ga/chromosome';
import { USAGE_PUBLIC, USAGE_TRAINING } from '../../../src/data/dataset';
import {
  FigureReadback,
  nextReadEvery,
  READ_EVERY_MAX,
  READ_TARGET_SECONDS,
  figureRow,
} from '../../../src/ml/readback';
import { trainCandidate, type ControlDecision, type TrainInput, type TrainProgress } from '../../../src/ml/train';
import { halvesDataset, micro, rowsOf } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

const net = { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 };

/** A row of figures as the trainer leaves it on the device. */
const row = (loss: number, correct: number, probSum: number, weightSum: number): tf.Tensor1D =>
  tf.tidy(() => figureRow(tf.scalar(loss), tf.scalar(correct), tf.scalar(probSum), tf.scalar(weightSum)));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('how often the figures are read (the rule for k)', () => {
  it('reads every batch when a batch takes half a second or more', () => {
    expect(nextReadEvery(1, READ_TARGET_SECONDS)).toBe(1);
    expect(nextReadEvery(8, 2)).toBe(1);
    expect(nextReadEvery(16, 0.3)).toBe(1);
  });

  it('at most doubles per read, never exceeds the batches that fit in the target nor the cap', () => {
    expect(nextReadEvery(1, 0.01)).toBe(2);
    expect(nextReadEvery(2, 0.01)).toBe(4);
    expect(nextReadEvery(4, 0.1)).toBe(5);
    expect(nextReadEvery(32, 0.001)).toBe(READ_EVERY_MAX);
    for (const spb of [0.001, 0.01, 0.03, 0.07, 0.12, 0.2, 0.26, 0.4]) {
      for (const k of [1, 3, 8, 32]) {
        const next = nextReadEvery(k, spb);
        expect(next).toBeLessThanOrEqual(2 * k);
        expect(next).toBeLessThanOrEqual(READ_EVERY_MAX);
        // A NaN is read within the target (plus the batch that produced it).
        if (next > 1) expect(next * spb).toBeLessThanOrEqual(READ_TARGET_SECONDS);
      }
    }
  });
});

describe('FigureReadback', () => {
  beforeAll(useWasm);

  it('keeps rows on the device and reads a window of k in one download, in batch order', async () => {
    const before = tf.memory().numTensors;
    const data = vi.spyOn(tf.Tensor.prototype, 'data');
    const dataSync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
    const reads = new FigureReadback(() => 0, 4);
    for (let b = 1; b <= 3; b++) {
      reads.add(row(b / 10, b, 32, 1), b, 32, 0);
      expect(reads.due).toBe(false);
    }
    reads.add(row(0.4, 4, 32, 1), 4, 20, 0);
    expect(reads.due).toBe(true);
    expect(data).not.toHaveBeenCalled();
    const figures = await reads.take();
    expect(data).toHaveBeenCalledTimes(1);
    expect(dataSync).not.toHaveBeenCalled();
    expect(figures.map((f) => f.batch)).toEqual([1, 2, 3, 4]);
    expect(figures.map((f) => f.n)).toEqual([32, 32, 32, 20]);
    expect(figures.map((f) => f.correct)).toEqual([1, 2, 3, 4]);
    expect(figures.map((f) => f.loss)).toEqual([0.1, 0.2, 0.3, 0.4].map(Math.fround));
    expect(reads.size).toBe(0);
    expect(await reads.take()).toEqual([]);
    expect(data).toHaveBeenCalledTimes(1);
    reads.add(row(1, 1, 1, 1), 5, 1, 0);
    reads.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a NaN in any batch of the window makes that batch a NaN loss, also where the loss itself is finite', async () => {
    const reads = new FigureReadback(() => 0, 8);
    reads.add(row(1.9, 3, 32, 5), 1, 32, 0);
    reads.add(row(16.1, 0, NaN, 5), 2, 32, 0);
    reads.add(row(16.1, 0, 32, Infinity), 3, 32, 0);
    reads.add(row(NaN, 0, 32, 5), 4, 32, 0);
    reads.add(row(2.0, 3, 32, 5), 5, 32, 0);
    const losses = (await reads.take()).map((f) => f.loss);
    expect(losses[0]).toBeCloseTo(1.9, 5);
    expect(losses.slice(1, 4)).toEqual([NaN, NaN, NaN]);
    expect(losses[4]).toBeCloseTo(2.0, 5);
  });

  it('adapts k from the measured time per batch: grows while batches are quick, back to 1 when they are slow', async () => {
    let t = 0;
    const reads = new FigureReadback(() => t, undefined);
    const ks: number[] = [];
    let b = 0;
    const window = async (msPerBatch: number): Promise<void> => {
      ks.push(reads.readEvery);
      do {
        reads.add(row(1, 1, 1, 1), ++b, 1, t);
        t += msPerBatch;
      } while (!reads.due);
      await reads.take();
    };
    for (let i = 0; i < 7; i++) await window(10);
    await window(600);
    await window(10);
    expect(ks).toEqual([1, 2, 4, 8, 16, 32, 32, 32, 1]);
    expect(reads.readEvery).toBe(2);
  });
});

describe('the trainer reads its figures every k batches', () => {
  beforeAll(useWasm);
  const d = halvesDataset(10, 2);
  // 20 training rows in batches of 3: 7 batches per epoch, the last one short.
  const input = (over: Partial<TrainInput> = {}): TrainInput => ({
    chromosome: micro('adam', 0.01),
    data: d,
    train: rowsOf(d.usage, USAGE_TRAINING),
    val: rowsOf(d.usage, USAGE_PUBLIC),
    settings: { epochs: 2, batchSize: 3, patience: 1, augmentFlip: true, network: net },
    seed: 5,
    ...over,
  });
  const weightsOf = (model: tf.LayersModel | undefined): Float32Array[] =>
    (model?.getWeights() ?? []).map((w) => w.dataSync() as Float32Array);

  it('makes one download per k batches and per epoch end, and no synchronous one', async () => {
    const count = async (readEvery: number): Promise<{ data: number; sync: number }> => {
      const data = vi.spyOn(tf.Tensor.prototype, 'data');
      const sync = vi.spyOn(tf.Tensor.prototype, 'dataSync');
      const array = vi.spyOn(tf.Tensor.prototype, 'arraySync');
      const { model } = await trainCandidate(input({ settings: { ...input().settings, patience: 0 } }), { readEvery });
      const counts = { data: data.mock.calls.length, sync: sync.mock.calls.length + array.mock.calls.length };
      model?.dispose();
      vi.restoreAllMocks();
      return counts;
    };
    const every1 = await count(1);
    const every3 = await count(3);
    const every7 = await count(7);
    // 7 batches per epoch: k = 1 reads 7 times an epoch, k = 3 reads at batches 3, 6 and 7, k = 7 once; two epochs.
    expect(every1.data - every3.data).toBe(2 * (7 - 3));
    expect(every1.data - every7.data).toBe(2 * (7 - 1));
    // The validation passes read the same in all three.
    expect(every7.sync).toBe(every1.sync);
  });

  it('trains identical weights and reports identical figures whether it reads every batch, every 3 or adaptively', async () => {
    const run = async (
      readEvery: number | undefined,
    ): Promise<{
      weights: Float32Array[];
      epochs: TrainProgress[];
      last: TrainProgress | undefined;
      valLoss: number;
      valAccuracy: number;
    }> => {
      const epochs: TrainProgress[] = [];
      let last: TrainProgress | undefined;
      const { result, model } = await trainCandidate(input(), {
        ...(readEvery === undefined ? {} : { readEvery }),
        onProgress: (p) => (p.kind === 'epoch' ? epochs.push(p) : (last = p)),
      });
      expect(result.status).toBe('trained');
      const weights = weightsOf(model);
      model?.dispose();
      return {
        weights,
        epochs: epochs.map((p) => ({ ...p, imagesPerSecond: 0 })),
        last: last && { ...last, imagesPerSecond: 0 },
        valLoss: result.valLoss,
        valAccuracy: result.valAccuracy,
      };
    };
    const each = await run(1);
    const every3 = await run(3);
    const adaptive = await run(undefined);
    expect(every3.weights).toEqual(each.weights);
    expect(adaptive.weights).toEqual(each.weights);
    expect(every3.epochs).toEqual(each.epochs);
    expect(adaptive.epochs).toEqual(each.epochs);
    // The last batch of an epoch is always read: the last progress is the same batch with the same running figures.
    expect(every3.last).toEqual(each.last);
    expect([every3.valLoss, every3.valAccuracy]).toEqual([each.valLoss, each.valAccuracy]);
    // A different seed trains other weights: the comparison above can fail.
    const other = await trainCandidate(input({ seed: 6 }), { readEvery: 3 });
    expect(weightsOf(other.model)).not.toEqual(each.weights);
    other.model?.dispose();
  }, 120_000);

  it('catches a NaN within k batches and names the batch that produced it', async () => {
    // As in ml-train: lr 1e30 overflows the float32 weights of a linear network.
    const chromosome: Chromosome = {
      ...micro('sgd', 1e30),
      conv: micro('sgd', 1e30).conv.map((g) => ({ ...g, activation: 'linear' })),
    };
    const diverge = async (
      readEvery: number,
    ): Promise<{ reason: string | undefined; steps: number; tensors: number }> => {
      const before = tf.memory().numTensors;
      const minimize = vi.spyOn(tf.Optimizer.prototype, 'minimize');
      const { result, model } = await trainCandidate(
        input({ chromosome, settings: { ...input().settings, epochs: 3 } }),
        { readEvery },
      );
      const steps = minimize.mock.calls.length;
      vi.restoreAllMocks();
      expect(result.status).toBe('diverged');
      expect(model).toBeUndefined();
      return { reason: result.reason, steps, tensors: tf.memory().numTensors - before };
    };
    const each = await diverge(1);
    const [, epoch, batch] = (/epoch (\d+), batch (\d+)/.exec(each.reason ?? '') ?? []).map(Number);
    const stepsBefore = 7 * ((epoch ?? NaN) - 1);
    expect(each.steps).toBe(stepsBefore + (batch ?? NaN));
    const every5 = await diverge(5);
    expect(every5.reason).toBe(each.reason);
    // Read at the end of the window that holds the NaN batch (5, or the epoch's last batch, 7).
    expect(every5.steps).toBe(stepsBefore + Math.min(7, Math.ceil((batch ?? NaN) / 5) * 5));
    expect(every5.steps - each.steps).toBeLessThan(5);
    expect(each.tensors).toBe(0);
    expect(every5.tensors).toBe(0);
  }, 60_000);

  it('Stop and Skip act at the next batch however many batches are unread; a pause first shows the figures so far', async () => {
    const scripted = (script: (check: number) => ControlDecision) => {
      let checks = 0;
      return { check: (): ControlDecision => script(++checks) };
    };
    const steps = async (
      decide: (check: number) => ControlDecision,
    ): Promise<{ status: string; steps: number; progress: TrainProgress[] }> => {
      const minimize = vi.spyOn(tf.Optimizer.prototype, 'minimize');
      const progress: TrainProgress[] = [];
      const { result, model } = await trainCandidate(input(), {
        readEvery: 32,
        control: scripted(decide),
        onProgress: (p) => progress.push(p),
      });
      const n = minimize.mock.calls.length;
      vi.restoreAllMocks();
      model?.dispose();
      return { status: result.status, steps: n, progress };
    };
    const stop = await steps((c) => (c === 2 ? 'stop' : 'go'));
    expect(stop).toMatchObject({ status: 'cancelled', steps: 2 });
    const skip = await steps((c) => (c === 3 ? 'skip' : 'go'));
    expect(skip).toMatchObject({ status: 'skipped', steps: 3 });
    // Paused after batch 2 (checks 2 to 4), then stopped: batch 2's figures were read before the wait.
    const paused = await steps((c) => (c < 2 ? 'go' : c < 5 ? 'pause' : 'stop'));
    expect(paused).toMatchObject({ status: 'cancelled', steps: 2 });
    expect(paused.progress.map((p) => [p.kind, p.batch])).toEqual([['batch', 2]]);
  }, 60_000);
});
