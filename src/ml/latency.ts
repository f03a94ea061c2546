/** Inference latency of a network as a person would meet it: one image at a time, on the backend that trained it. */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIDE } from '../data/dataset';

/** How latency is measured: warm-up runs, then timed runs until `runs` are done or `budgetMs` is spent (at least `minRuns`). */
export interface LatencyOptions {
  readonly warmup?: number;
  readonly runs?: number;
  readonly minRuns?: number;
  readonly budgetMs?: number;
  /** Milliseconds clock; default performance.now. */
  readonly now?: () => number;
}

/** Each timed prediction waits for its values, so a GPU backend is timed to the end of its work, not to its queueing. */
async function predictOnce(model: tf.LayersModel, x: tf.Tensor): Promise<void> {
  const y = model.predict(x) as tf.Tensor;
  try {
    await y.data();
  } finally {
    y.dispose();
  }
}

/**
 * Median milliseconds per image of `model.predict` on a batch of one 48x48x1 image, after warm-up runs (which compile
 * kernels and fill caches). Every tensor it makes is disposed, also on errors; the model is not changed.
 */
export async function measureLatency(model: tf.LayersModel, opts: LatencyOptions = {}): Promise<number> {
  const now = opts.now ?? (() => performance.now());
  const warmup = opts.warmup ?? 2;
  const runs = opts.runs ?? 10;
  const minRuns = Math.min(opts.minRuns ?? 3, runs);
  const budgetMs = opts.budgetMs ?? 1000;
  const x = tf.fill([1, IMAGE_SIDE, IMAGE_SIDE, 1], 0.5);
  try {
    for (let i = 0; i < warmup; i++) await predictOnce(model, x);
    const times: number[] = [];
    const start = now();
    while (times.length < runs && (times.length < minRuns || now() - start < budgetMs)) {
      const t0 = now();
      await predictOnce(model, x);
      times.push(now() - t0);
    }
    times.sort((a, b) => a - b);
    const mid = Math.floor(times.length / 2);
    return times.length % 2 === 1 ? (times[mid] as number) : ((times[mid - 1] as number) + (times[mid] as number)) / 2;
  } finally {
    x.dispose();
  }
}
