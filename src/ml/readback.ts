/**
 * The trainer's per-batch figures (loss, correct predictions, and two sums that turn non-finite once the network has),
 * kept on the device and read back every k batches instead of after every batch: on a GPU each read waits for the
 * queue to drain, so reading after every batch stalls it once per step.
 *
 * Each batch leaves one row of figures on the device; a read takes all rows of the window in one `data()` call. The
 * rows are not summed on the device, so the trainer's running loss is accumulated in the same order and precision as
 * when it read every batch, and a NaN is attributed to the batch that produced it, however late it is read.
 *
 * The rule for k (`nextReadEvery`): after each read, k becomes the number of batches that fit in READ_TARGET_SECONDS at
 * the window's measured seconds per batch, at least 1 (slow batches, e.g. large networks on wasm, are read every
 * batch), at most twice the previous k (one fast window does not leap) and at most READ_EVERY_MAX. The first window is
 * one batch. A NaN is therefore seen within about half a second of training, plus one batch.
 */
import * as tf from '@tensorflow/tfjs';

/** Aim for one read about every half second of training. */
export const READ_TARGET_SECONDS = 0.5;
/** Most batches between reads: beyond this a read's cost is already a small share of the window. */
export const READ_EVERY_MAX = 32;

/** Figures per row, in this order: loss, correct predictions, sum of all probabilities, sum of all weights. */
const ROW = 4;

/** One batch's figures as read back. `loss` is NaN when the probabilities or the weights are no longer finite. */
export interface BatchFigures {
  /** The batch's 1-based index in its epoch. */
  readonly batch: number;
  /** Images in the batch. */
  readonly n: number;
  readonly loss: number;
  readonly correct: number;
}

/** k for the next window, from the current k and the last window's seconds per batch (the rule is above). */
export function nextReadEvery(k: number, secondsPerBatch: number): number {
  const fit = Math.floor(READ_TARGET_SECONDS / Math.max(secondsPerBatch, 1e-6));
  return Math.max(1, Math.min(2 * k, fit, READ_EVERY_MAX));
}

/** One batch's figures as a [4] tensor (a new tensor; the inputs are left alone). */
export function figureRow(loss: tf.Scalar, correct: tf.Scalar, probSum: tf.Scalar, weightSum: tf.Scalar): tf.Tensor1D {
  return tf.stack([loss, correct, probSum, weightSum]) as tf.Tensor1D;
}

/** The rows of the batches not yet read, and when to read them. Owns its tensors: `dispose` on every path. */
export class FigureReadback {
  private pending: tf.Tensor2D | null = null;
  private batches: { batch: number; n: number }[] = [];
  private windowStart = 0;
  private every: number;
  private readonly fixed: boolean;

  /** `readEvery` fixes k; without it k follows the measured batch time. `now` is the wall clock in ms. */
  constructor(
    private readonly now: () => number,
    readEvery?: number,
  ) {
    this.fixed = readEvery !== undefined;
    this.every = Math.max(1, Math.floor(readEvery ?? 1));
  }

  /** Batches between reads for the current window. */
  get readEvery(): number {
    return this.every;
  }

  /** Batches kept but not yet read. */
  get size(): number {
    return this.batches.length;
  }

  /** True once the window holds k batches. */
  get due(): boolean {
    return this.batches.length >= this.every;
  }

  /** Keeps a batch's row (takes ownership of `row`); `startedAt` is when the batch began, on the `now` clock. */
  add(row: tf.Tensor1D, batch: number, n: number, startedAt: number): void {
    if (this.batches.length === 0) this.windowStart = startedAt;
    const prev = this.pending;
    this.pending = tf.tidy(() => {
      const r = row.reshape([1, ROW]) as tf.Tensor2D;
      return prev ? tf.concat([prev, r]) : r;
    });
    tf.dispose([row, ...(prev ? [prev] : [])]);
    this.batches.push({ batch, n });
  }

  /** Reads every kept row in one download, empties the window and sets k for the next one. */
  async take(): Promise<BatchFigures[]> {
    const pending = this.pending;
    const batches = this.batches;
    this.pending = null;
    this.batches = [];
    if (!pending) return [];
    let v: Float32Array | Int32Array | Uint8Array;
    try {
      v = await pending.data();
    } finally {
      pending.dispose();
    }
    if (!this.fixed) this.every = nextReadEvery(this.every, (this.now() - this.windowStart) / 1000 / batches.length);
    return batches.map(({ batch, n }, i) => {
      const [loss, correct, probSum, weightSum] = Array.from(v.subarray(i * ROW, (i + 1) * ROW));
      // wasm's ClipByValue and Relu map NaN to a bound, so a network of NaN weights can show a finite loss (-log(1e-7)):
      // the probabilities and weights are checked too, and any non-finite one counts as a NaN loss (as in Keras).
      const finite = Number.isFinite(probSum ?? NaN) && Number.isFinite(weightSum ?? NaN);
      return { batch, n, loss: finite ? (loss ?? NaN) : NaN, correct: correct ?? 0 };
    });
  }

  /** Drops the rows without freeing them: after a backend crash, every call into the dead module would throw. */
  forget(): void {
    this.pending = null;
    this.batches = [];
  }

  /** Frees the rows not read (a candidate that ends early). */
  dispose(): void {
    this.pending?.dispose();
    this.pending = null;
    this.batches = [];
  }
}
