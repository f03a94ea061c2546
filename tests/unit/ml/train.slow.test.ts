import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Chromosome } from '../../../src/ga/chromosome';
import { USAGE_PUBLIC, USAGE_TRAINING } from '../../../src/data/dataset';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { buildModel } from '../../../src/ml/model';
import { exportModel, importModel } from '../../../src/ml/export';
import { trainCandidate, type TrainSettings } from '../../../src/ml/train';
import { RunController } from '../../../src/experiment/control';
import { runEvolution } from '../../../src/experiment/run';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';
import { halvesDataset, micro, rowsOf } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

const net = { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 };

const microConfig = (over: Partial<RunConfig> = {}): RunConfig => ({
  seed: 11,
  populationSize: 3,
  generations: 0,
  crossoverRate: 0.2,
  mutationRate: 0.1,
  maxFilters: 2,
  epochs: 1,
  batchSize: 16,
  patience: 0,
  augmentFlip: false,
  network: net,
  perClass: 3,
  ...over,
});

describe('training, faults, memory and export on wasm', () => {
  beforeAll(useWasm);

  it('learns a separable task to > 90% validation accuracy', async () => {
    const data = halvesDataset(32, 5);
    const before = tf.memory().numTensors;
    // Batch-norm's moving statistics (momentum 0.99, as in Keras) need a few hundred steps before inference mode agrees
    // with training mode, so many small batches rather than few large ones.
    const settings: TrainSettings = { epochs: 4, batchSize: 4, patience: 0, augmentFlip: false, network: net };
    const { result, model } = await trainCandidate({
      chromosome: micro('adam', 0.01),
      data,
      train: rowsOf(data.usage, USAGE_TRAINING),
      val: rowsOf(data.usage, USAGE_PUBLIC),
      settings,
      seed: 2,
    });
    expect(result.status).toBe('trained');
    expect(result.valAccuracy).toBeGreaterThan(0.9);
    model?.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('ends a candidate with an absurd learning rate as diverged, disposing everything', async () => {
    const data = halvesDataset(8, 6);
    const before = tf.memory().numTensors;
    // Batch norm keeps a network with lr 1e9 finite (its softmax just saturates); 1e30 overflows float32 weights, which
    // Keras reports as a NaN loss and wasm would otherwise hide (its Relu/ClipByValue map NaN to a bound).
    const chromosome: Chromosome = {
      ...micro('sgd', 1e30),
      conv: micro('sgd', 1e30).conv.map((g) => ({ ...g, activation: 'linear' })),
    };
    const { result, model } = await trainCandidate({
      chromosome,
      data,
      train: rowsOf(data.usage, USAGE_TRAINING),
      val: rowsOf(data.usage, USAGE_PUBLIC),
      settings: { epochs: 5, batchSize: 4, patience: 0, augmentFlip: false, network: net },
      seed: 3,
    });
    expect(result.status).toBe('diverged');
    expect(result.reason).toMatch(/loss became (NaN|-?Infinity)/);
    expect(model).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('fails one candidate on an injected out-of-memory / device-lost error and trains the next', async () => {
    const data = syntheticDataset(6, 4);
    const splits = makeSplits(data, { mode: 'canonical', seed: 1 }).splits;
    const events: RunEvent[] = [];
    const faults = [
      'GPU out of memory: Failed to allocate 512 MB (injected)',
      'WebGPU device lost (unknown): injected',
    ];
    let call = 0;
    const before = tf.memory().numTensors;
    const result = await runEvolution({
      config: microConfig({ populationSize: 4 }),
      data,
      splits,
      backend: { name: 'wasm', reason: 'test', software: false },
      control: new RunController(),
      emit: (e) => events.push(e),
      // Candidates 1 and 3 hit a backend fault inside their first training step, after the model and optimizer exist.
      train: (input, opts) => {
        const n = call++;
        const fault = n === 1 ? faults[0] : n === 3 ? faults[1] : undefined;
        if (fault === undefined) return trainCandidate(input, opts);
        return trainCandidate(input, {
          ...opts,
          control: {
            check: () => {
              throw new Error(fault);
            },
          },
        });
      },
    });
    expect(result.outcome).toBe('done');
    const evaluated = events.filter((e) => e.type === 'evaluated');
    expect(evaluated.map((e) => e.status)).toEqual(['trained', 'failed', 'trained', 'failed']);
    expect(evaluated[1]?.reason).toBe(faults[0]);
    expect(evaluated[3]?.reason).toBe(faults[1]);
    expect(evaluated[2]?.fitness).toBeGreaterThanOrEqual(0);
    expect(events.some((e) => e.type === 'test-result')).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('returns to the same tensor count after 20 micro candidates through runEvolution', async () => {
    const data = syntheticDataset(4, 8);
    const splits = makeSplits(data, { mode: 'canonical', seed: 2 }).splits;
    const counts: number[] = [];
    let trainings = 0;
    const before = tf.memory().numTensors;
    await runEvolution({
      config: microConfig({
        populationSize: 10,
        generations: 1,
        mutationRate: 0.5,
        crossoverRate: 0.5,
        seed: 21,
        perClass: 2,
      }),
      data,
      splits,
      backend: { name: 'wasm', reason: 'test', software: false },
      control: new RunController(),
      emit: (e) => {
        if (e.type === 'evaluated' && e.memory) counts.push(e.memory.numTensors);
      },
      train: async (input, opts) => {
        trainings++;
        return trainCandidate(input, opts);
      },
    });
    expect(counts).toHaveLength(20);
    expect(trainings).toBeGreaterThanOrEqual(15);
    // After every candidate (trained, cached or failed) the count is where it started.
    expect(new Set(counts)).toEqual(new Set([before]));
    expect(tf.memory().numTensors).toBe(before);
  }, 300_000);

  describe('export', () => {
    let server: Server | undefined;
    afterAll(() => server?.close());

    it('gives the same predictions after export, via importModel and tf.loadLayersModel over HTTP', async () => {
      const data = halvesDataset(4, 9);
      const { model } = await trainCandidate({
        chromosome: {
          ...micro('nadam', 0.005),
          conv: micro('nadam', 0.005).conv.map((g, i) => ({
            ...g,
            activation: (['tanh', 'elu', 'hard_sigmoid', 'softplus', 'sigmoid', 'linear'] as const)[i] ?? 'relu',
          })),
        },
        data,
        train: rowsOf(data.usage, USAGE_TRAINING),
        val: rowsOf(data.usage, USAGE_PUBLIC),
        settings: {
          epochs: 1,
          batchSize: 4,
          patience: 0,
          augmentFlip: false,
          network: { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 },
        },
        seed: 4,
      });
      if (!model) throw new Error('training failed');
      const xs = tf.tidy(() => tf.randomUniform([5, 48, 48, 1], 0, 1, 'float32', 7));
      const expected = tf.tidy(() => (model.predict(xs) as tf.Tensor).arraySync() as number[][]);
      const exported = await exportModel(model, { evolab: { note: 'test' } });
      model.dispose();

      const viaMemory = await importModel(exported);
      const got1 = tf.tidy(() => (viaMemory.predict(xs) as tf.Tensor).arraySync() as number[][]);
      viaMemory.dispose();

      // What another tfjs app does: tf.loadLayersModel(url) on model.json next to its weights file.
      server = createServer((req, res) => {
        if (req.url === '/model/model.json') res.end(exported.modelJson);
        else if (req.url === `/model/${exported.weightsFileName}`) res.end(Buffer.from(exported.weights));
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const viaHttp = await tf.loadLayersModel(`http://127.0.0.1:${port}/model/model.json`);
      const got2 = tf.tidy(() => (viaHttp.predict(xs) as tf.Tensor).arraySync() as number[][]);
      expect(viaHttp.inputs[0]?.shape).toEqual([null, 48, 48, 1]);
      expect(viaHttp.outputs[0]?.shape).toEqual([null, 7]);
      viaHttp.dispose();
      xs.dispose();

      for (const got of [got1, got2]) {
        expect(got).toHaveLength(5);
        got.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(expected[i]?.[j] as number, 6)));
      }
      expect(JSON.parse(exported.modelJson).userDefinedMetadata).toEqual({ evolab: { note: 'test' } });
      // A freshly built network disagrees, so equal predictions mean the weights really travelled.
      const fresh = buildModel(micro('adam', 0.001), { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 }, 99);
      const other = tf.tidy(
        () =>
          (fresh.predict(tf.randomUniform([5, 48, 48, 1], 0, 1, 'float32', 7)) as tf.Tensor).arraySync() as number[][],
      );
      fresh.dispose();
      expect(other).not.toEqual(expected);
    }, 60_000);
  });
});
