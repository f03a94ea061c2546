import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../../../src/ga/chromosome';
import { syntheticDataset } from '../../../src/data/synthetic';
import { USAGE_PUBLIC, USAGE_TRAINING } from '../../../src/data/dataset';
import { buildModel, networkCost } from '../../../src/ml/model';
import { trainCandidate } from '../../../src/ml/train';
import { useWasm } from '../../helpers/wasm-setup';

const micro: Chromosome = {
  conv: [
    { filters: 4, kernel: 3, activation: 'relu' },
    { filters: 4, kernel: 3, activation: 'elu' },
    { filters: 8, kernel: 5, activation: 'tanh' },
    { filters: 8, kernel: 1, activation: 'sigmoid' },
    { filters: 8, kernel: 3, activation: 'hard_sigmoid' },
    { filters: 8, kernel: 3, activation: 'softplus' },
  ],
  optimizer: 'adam',
  learningRate: 0.005,
};

const rowsOf = (usage: Uint8Array, code: number): Int32Array =>
  Int32Array.from(Array.from(usage.keys()).filter((i) => usage[i] === code));

describe('training a 6-conv network from a chromosome on wasm', () => {
  beforeAll(useWasm);

  it('runs training steps, reports progress and returns every tensor', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const data = syntheticDataset(8, 3);
    const before = tf.memory().numTensors;
    const batches: number[] = [];
    const { result, model } = await trainCandidate(
      {
        chromosome: micro,
        data,
        train: rowsOf(data.usage, USAGE_TRAINING),
        val: rowsOf(data.usage, USAGE_PUBLIC),
        settings: {
          epochs: 2,
          batchSize: 8,
          patience: 1,
          augmentFlip: true,
          network: { denseUnits: 16, dropoutConv: 0.25, dropoutDense: 0.5 },
        },
        seed: 7,
      },
      { onProgress: (p) => p.kind === 'batch' && batches.push(p.loss) },
    );
    expect(result.status).toBe('trained');
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(batches.every(Number.isFinite)).toBe(true);
    expect(result.valAccuracy).toBeGreaterThanOrEqual(0);
    expect(result.params).toBe(networkCost(micro, { denseUnits: 16, dropoutConv: 0.25, dropoutDense: 0.5 }).params);
    model?.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('computes the parameter count without building the network', () => {
    const net = { denseUnits: 256, dropoutConv: 0.25, dropoutDense: 0.5 };
    const model = buildModel(micro, net);
    expect(networkCost(micro, net).params).toBe(model.countParams());
    model.dispose();
  });
});
