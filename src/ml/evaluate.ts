/** Accuracy, loss, per-class accuracy and confusion matrix of a model on a set of rows. */
import * as tf from '@tensorflow/tfjs';
import { NUM_CLASSES, type Dataset } from '../data/dataset';
import { makeBatch } from './batches';

export interface Evaluation {
  readonly accuracy: number;
  readonly loss: number;
  /** 7 numbers; NaN for a class with no rows. */
  readonly perClassAccuracy: number[];
  /** confusion[true][predicted] counts. */
  readonly confusion: number[][];
  readonly count: number;
}

const EVAL_BATCH = 128;

/** Evaluates in inference mode (no dropout, batch-norm moving statistics); every tensor is disposed, also on errors. */
export async function evaluate(model: tf.LayersModel, data: Dataset, rows: ArrayLike<number>): Promise<Evaluation> {
  const confusion = Array.from({ length: NUM_CLASSES }, () => new Array<number>(NUM_CLASSES).fill(0));
  let lossSum = 0;
  for (let start = 0; start < rows.length; start += EVAL_BATCH) {
    const end = Math.min(rows.length, start + EVAL_BATCH);
    const made: tf.Tensor[] = [];
    let lossV: Float32Array | Int32Array | Uint8Array;
    let preds: Float32Array | Int32Array | Uint8Array;
    try {
      const { xs, ys } = makeBatch(data, rows, start, end);
      made.push(xs, ys);
      const [lossT, predT] = tf.tidy(() => {
        const probs = model.predict(xs) as tf.Tensor2D;
        const loss = tf.sum(
          tf.losses.softmaxCrossEntropy(ys, tf.log(tf.clipByValue(probs, 1e-7, 1)), undefined, 0, tf.Reduction.NONE),
        );
        return [loss, tf.argMax(probs, 1)];
      });
      made.push(lossT, predT);
      [lossV, preds] = await Promise.all([lossT.data(), predT.data()]);
    } finally {
      tf.dispose(made);
    }
    lossSum += lossV[0] ?? NaN;
    for (let i = start; i < end; i++) {
      const truth = data.labels[rows[i] as number] as number;
      const row = confusion[truth] as number[];
      const p = preds[i - start] as number;
      row[p] = (row[p] ?? 0) + 1;
    }
  }
  let correct = 0;
  const perClassAccuracy = confusion.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    correct += row[c] ?? 0;
    return total === 0 ? NaN : (row[c] ?? 0) / total;
  });
  const count = rows.length;
  return {
    accuracy: count ? correct / count : 0,
    loss: count ? lossSum / count : NaN,
    perClassAccuracy,
    confusion,
    count,
  };
}
