/**
 * How fast this machine trains on the backend in use: real training steps of a calibration network, timed after two
 * warm-up steps, at the run's batch size (src/experiment/cost.ts fits and extrapolates the timings).
 */
import type * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../ga/chromosome';
import type { Dataset } from '../data/dataset';
import { evaluate } from './evaluate';
import { measureLatency } from './latency';
import { buildModel, networkCost, type NetworkSettings } from './model';
import { makeOptimizer } from './optimizers';
import { trainStep } from './train';

/**
 * The chromosome with each layer's filters divided by 2^`halvings` (at least 2): a network of known FLOPs that keeps
 * the kernels and activations of one far too slow to time (1024 filters of 9x9 can take minutes a step on wasm).
 */
export function scaledDown(c: Chromosome, halvings: number): Chromosome {
  return {
    ...c,
    conv: c.conv.map((g) => ({ ...g, filters: Math.max(2, Math.floor(g.filters / 2 ** halvings)) })),
  };
}

/** What timing one calibration network measured. */
export interface CalibrationPoint {
  /** The network timed. */
  readonly chromosome: Chromosome;
  /** Forward FLOPs per image of the network. */
  readonly flops: number;
  /** Seconds per training image: the median timed step over its images. */
  readonly trainSecondsPerImage: number;
  /** Seconds per validation image (inference on a batch, as the validation pass does). */
  readonly evalSecondsPerImage: number;
  /** Seconds of a training call besides its images: building, the first step's extra time, the latency measurement. */
  readonly overheadSeconds: number;
  /** Steps timed after the warm-up steps, and the batch they had. */
  readonly steps: number;
  readonly batch: number;
}

export interface TimingOptions {
  readonly batchSize: number;
  readonly network: NetworkSettings;
  /** Timed steps stop once this many milliseconds went by (at least three are timed, or `maxSteps` if fewer). */
  readonly budgetMs?: number;
  readonly maxSteps?: number;
  /** Milliseconds clock; default performance.now. */
  readonly now?: () => number;
  /**
   * A first step slower than this many milliseconds ends the timing there, with null: the network is too slow to time
   * without keeping the worker (and the dataset loads and estimates waiting on it) for many seconds. Default: none.
   */
  readonly firstStepLimitMs?: number;
}

async function settle(t: tf.Tensor): Promise<void> {
  try {
    await t.data();
  } finally {
    t.dispose();
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/**
 * Times training steps of the network on `rows` of `data` (two warm-up steps, then
 * at least three steps, more until `budgetMs` or `maxSteps`), one validation pass over a batch (after a warm-up one) and a latency
 * measurement. Each step waits for its figures, so a GPU backend is timed to the end of its work. Null when the first
 * step took longer than `firstStepLimitMs`. Every tensor is disposed; the model is built and dropped here.
 */
export async function timeCalibrationNetwork(
  c: Chromosome,
  data: Dataset,
  rows: Int32Array,
  opts: TimingOptions,
): Promise<CalibrationPoint | null> {
  if (rows.length === 0) throw new Error('no training images to time');
  const now = opts.now ?? (() => performance.now());
  const budgetMs = opts.budgetMs ?? 500;
  const maxSteps = opts.maxSteps ?? 5;
  const batch = Math.max(1, Math.min(opts.batchSize, rows.length));
  const t0 = now();
  const model = buildModel(c, opts.network, 1);
  let optimizer: tf.Optimizer | undefined;
  try {
    const opt = makeOptimizer(c.optimizer, c.learningRate);
    optimizer = opt;
    const step = async (k: number): Promise<void> => {
      const start = (k * batch) % Math.max(rows.length - batch + 1, 1);
      await settle(trainStep(model, opt, data, rows, start, start + batch, undefined));
    };
    await step(0);
    const warm = now() - t0;
    if (opts.firstStepLimitMs !== undefined && warm > opts.firstStepLimitMs) return null;
    // A second untimed step: the first can leave work behind (lazy compilation, memory growth) that skews the next.
    const t1 = now();
    await step(1);
    const second = now() - t1;
    const times: number[] = [];
    const started = now();
    // The median of at least three steps: one step slowed by other work on the machine does not set the speed.
    while (times.length < Math.min(3, maxSteps) || (times.length < maxSteps && now() - started < budgetMs)) {
      const t = now();
      await step(times.length + 2);
      times.push(now() - t);
    }
    const stepMs = median(times);
    const evalRows = rows.subarray(0, batch);
    await evaluate(model, data, evalRows);
    const te = now();
    await evaluate(model, data, evalRows);
    const evalMs = now() - te;
    const tl = now();
    await measureLatency(model);
    const latencyMs = now() - tl;
    return {
      chromosome: c,
      flops: networkCost(c, opts.network).flops,
      trainSecondsPerImage: stepMs / 1000 / batch,
      evalSecondsPerImage: evalMs / 1000 / batch,
      overheadSeconds: (Math.max(0, warm + second - 2 * stepMs) + latencyMs) / 1000,
      steps: times.length,
      batch,
    };
  } finally {
    optimizer?.dispose();
    model.dispose();
  }
}
