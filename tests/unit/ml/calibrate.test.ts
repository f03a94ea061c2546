import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PAPER_BEST, type Chromosome } from '../../../src/ga/chromosome';
import { syntheticDataset } from '../../../src/data/synthetic';
import { USAGE_TRAINING } from '../../../src/data/dataset';
import { fitLine } from '../../../src/experiment/cost';
import { scaledDown, timeCalibrationNetwork } from '../../../src/ml/calibrate';
import { DEFAULT_NETWORK, networkCost } from '../../../src/ml/model';
import { useWasm } from '../../helpers/wasm-setup';
import { rowsOf } from '../../helpers/ml';

describe('calibration networks', () => {
  it('halve every layer’s filters, never below 2, keeping kernels and activations', () => {
    const half = scaledDown(PAPER_BEST, 1);
    expect(half.conv.map((g) => g.filters)).toEqual([4, 4, 2, 128, 8, 64]);
    expect(half.conv.map((g) => [g.kernel, g.activation])).toEqual(
      PAPER_BEST.conv.map((g) => [g.kernel, g.activation]),
    );
    expect(scaledDown(PAPER_BEST, 10).conv.every((g) => g.filters === 2)).toBe(true);
    expect(networkCost(half).flops).toBeLessThan(networkCost(PAPER_BEST).flops);
  });
});

/** Six 32-filter 3x3 layers: about 200 times the FLOPs of its 2-filter version. */
const WIDE: Chromosome = {
  conv: Array.from({ length: 6 }, () => ({ filters: 32, kernel: 3, activation: 'relu' as const })),
  optimizer: 'adam',
  learningRate: 0.001,
};

/** Times the network and fails the test when the timing gave up. */
async function timed(...args: Parameters<typeof timeCalibrationNetwork>) {
  const p = await timeCalibrationNetwork(...args);
  if (p === null) throw new Error('the timing gave up on the network');
  return p;
}

describe('timing training steps on wasm', () => {
  beforeAll(useWasm);

  it('times real steps of a small and a larger network, and disposes every tensor', async () => {
    const data = syntheticDataset(12, 5);
    const rows = rowsOf(data.usage, USAGE_TRAINING);
    const before = tf.memory().numTensors;
    const opts = { batchSize: 16, network: DEFAULT_NETWORK, budgetMs: 200, maxSteps: 3 };
    const small = await timed(scaledDown(WIDE, 10), data, rows, opts);
    const large = await timed(WIDE, data, rows, opts);
    expect(tf.memory().numTensors).toBe(before);
    for (const p of [small, large]) {
      expect(p.batch).toBe(16);
      expect(p.steps).toBeGreaterThanOrEqual(1);
      expect(p.trainSecondsPerImage).toBeGreaterThan(0);
      expect(p.evalSecondsPerImage).toBeGreaterThan(0);
      expect(p.overheadSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(large.flops).toBe(networkCost(WIDE).flops);
    expect(large.flops).toBeGreaterThan(100 * small.flops);
    // The larger network takes longer per image: the fit through both has a positive slope.
    expect(large.trainSecondsPerImage).toBeGreaterThan(small.trainSecondsPerImage);
    const line = fitLine([small, large].map((p) => ({ x: p.flops, y: p.trainSecondsPerImage })));
    expect(line.slope).toBeGreaterThan(0);
  });

  it('takes the whole training set as the batch when it is smaller than the batch size', async () => {
    const data = syntheticDataset(2, 5);
    const rows = rowsOf(data.usage, USAGE_TRAINING);
    const p = await timed(scaledDown(PAPER_BEST, 10), data, rows, {
      batchSize: 1024,
      network: DEFAULT_NETWORK,
      maxSteps: 1,
    });
    expect(p.batch).toBe(rows.length);
  });

  it('gives up after the first step when that step ran past its limit, holding the worker no longer, with no tensor left', async () => {
    const data = syntheticDataset(12, 5);
    const rows = rowsOf(data.usage, USAGE_TRAINING);
    const before = tf.memory().numTensors;
    let clock = 0;
    let steps = 0;
    // A clock that moves 1 s a reading: the first step looks a second long, past a limit of 500 ms.
    const now = (): number => {
      steps++;
      return (clock += 1000);
    };
    const opts = { batchSize: 16, network: DEFAULT_NETWORK, now, firstStepLimitMs: 500 };
    expect(await timeCalibrationNetwork(WIDE, data, rows, opts)).toBeNull();
    expect(steps).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    // Within its limit the same network is timed in full.
    expect(await timeCalibrationNetwork(WIDE, data, rows, { ...opts, firstStepLimitMs: 5000 })).not.toBeNull();
  });
});
