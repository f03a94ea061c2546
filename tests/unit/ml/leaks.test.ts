/** Every error path disposes what it made: a throw injected into each tfjs call leaves tf.memory().numTensors where it was. */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { USAGE_PUBLIC, USAGE_TRAINING } from '../../../src/data/dataset';
import { evaluate } from '../../../src/ml/evaluate';
import { buildModel } from '../../../src/ml/model';
import { restoreWeights, snapshotWeights, trainCandidate, type TrainSettings } from '../../../src/ml/train';
import { RunController } from '../../../src/experiment/control';
import { runEvolution } from '../../../src/experiment/run';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';
import { halvesDataset, micro, rowsOf } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

const NET = { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 };
const SETTINGS: TrainSettings = { epochs: 3, batchSize: 8, patience: 2, augmentFlip: true, network: NET };
const INJECTED = 'injected fault';

/** Replaces `method` of `proto` by one that throws (or rejects) on its `nth` call (1-based), after calling the original when `late`. */
function failOn<T extends object>(
  proto: T,
  method: keyof T & string,
  nth: number,
  how: { late?: boolean; reject?: boolean } = {},
): void {
  const original = proto[method] as unknown as (...args: unknown[]) => unknown;
  let calls = 0;
  vi.spyOn(proto, method as never).mockImplementation(function (this: unknown, ...args: unknown[]) {
    calls += 1;
    if (calls !== nth) return original.apply(this, args);
    if (how.late) {
      // The fault comes after the real call: what the caller had made by then must be freed by the caller. The call's own
      // result never reaches the caller, so it is freed here.
      const out = original.apply(this, args);
      if (out instanceof tf.Tensor) out.dispose();
    }
    if (how.reject) return Promise.reject(new Error(INJECTED));
    throw new Error(INJECTED);
  } as never);
}

describe('tensors are returned on every error path', () => {
  beforeAll(useWasm);
  afterEach(() => vi.restoreAllMocks());

  const data = halvesDataset(8, 2);
  const input = {
    chromosome: micro('adam', 0.01),
    data,
    train: rowsOf(data.usage, USAGE_TRAINING),
    val: rowsOf(data.usage, USAGE_PUBLIC),
    settings: SETTINGS,
    seed: 5,
  };

  const cases: [string, () => void][] = [
    ['minimize throws before computing', () => failOn(tf.Optimizer.prototype, 'minimize', 2)],
    ['minimize throws after computing the loss', () => failOn(tf.Optimizer.prototype, 'minimize', 2, { late: true })],
    ['a tensor read rejects after a training step', () => failOn(tf.Tensor.prototype, 'data', 5, { reject: true })],
    ['snapshotWeights throws', () => failOn(tf.Sequential.prototype, 'getWeights', 1)],
    ['evaluate throws in predict', () => failOn(tf.Sequential.prototype, 'predict', 1)],
    ['evaluate throws after predict', () => failOn(tf.Sequential.prototype, 'predict', 1, { late: true })],
  ];
  for (const [name, inject] of cases) {
    it(`trainCandidate: ${name}`, async () => {
      const before = tf.memory().numTensors;
      inject();
      const { result, model } = await trainCandidate(input);
      expect(result.status).toBe('failed');
      expect(result.reason).toContain(INJECTED);
      expect(model).toBeUndefined();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('buildModel: a layer that cannot be built disposes the layers built before it', () => {
    const before = tf.memory().numTensors;
    const bad = {
      ...micro('adam', 0.01),
      conv: micro('adam', 0.01).conv.map((g, i) => (i === 3 ? { ...g, kernel: -1 } : g)),
    };
    expect(() => buildModel(bad, NET, 1)).toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('evaluate: a rejected read mid-way', async () => {
    const model = buildModel(micro('adam', 0.01), NET, 1);
    const before = tf.memory().numTensors;
    failOn(tf.Tensor.prototype, 'data', 2, { reject: true });
    await expect(evaluate(model, data, rowsOf(data.usage, USAGE_PUBLIC))).rejects.toThrow(INJECTED);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('restoreWeights and snapshotWeights: a failing setWeights or read', async () => {
    const model = buildModel(micro('adam', 0.01), NET, 1);
    const snap = await snapshotWeights(model);
    const before = tf.memory().numTensors;
    failOn(tf.Sequential.prototype, 'setWeights', 1);
    expect(() => restoreWeights(model, snap)).toThrow(INJECTED);
    expect(tf.memory().numTensors).toBe(before);
    failOn(tf.Tensor.prototype, 'data', 3, { reject: true });
    await expect(snapshotWeights(model)).rejects.toThrow(INJECTED);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  const runData = syntheticDataset(6, 4);
  const splits = makeSplits(runData, { mode: 'canonical', seed: 1 }).splits;
  const config: RunConfig = {
    seed: 2,
    populationSize: 2,
    generations: 0,
    crossoverRate: 0.2,
    mutationRate: 0.1,
    maxFilters: 2,
    epochs: 1,
    batchSize: 8,
    patience: 0,
    augmentFlip: false,
    network: NET,
    perClass: 0,
  };
  const backend = { name: 'wasm', reason: 'test', software: false } as const;

  it('runEvolution: copying the best weights out throws (the candidate fails, its model is disposed)', async () => {
    const before = tf.memory().numTensors;
    // With patience 0 the trainer takes no snapshot: the first getWeights is the run's copy of the trained weights.
    failOn(tf.Sequential.prototype, 'getWeights', 1);
    const events: RunEvent[] = [];
    const result = await runEvolution({
      config,
      data: runData,
      splits,
      backend,
      control: new RunController(),
      emit: (e) => events.push(e),
    });
    expect(result.outcome).toBe('done');
    expect(events.find((e) => e.type === 'evaluated')).toMatchObject({ status: 'failed', reason: INJECTED });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runEvolution: the test evaluation throws', async () => {
    const before = tf.memory().numTensors;
    let searching = true;
    const original = tf.Sequential.prototype.predict;
    vi.spyOn(tf.Sequential.prototype, 'predict').mockImplementation(function (
      this: tf.Sequential,
      ...args: Parameters<typeof original>
    ) {
      if (!searching) throw new Error(INJECTED);
      return original.apply(this, args);
    });
    await expect(
      runEvolution({
        config,
        data: runData,
        splits,
        backend,
        control: new RunController(),
        emit: (e) => {
          if (e.type === 'phase-done') searching = false;
        },
      }),
    ).rejects.toThrow(INJECTED);
    expect(tf.memory().numTensors).toBe(before);
  });
});
