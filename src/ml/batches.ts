/** Batches made on the fly from the Uint8Array images: scaled to 0..1, optionally flipped; never a float copy of the whole set. */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIDE, IMAGE_SIZE, NUM_CLASSES, type Dataset } from '../data/dataset';
import type { Rng } from '../ga/rng';

/** A float32 [n,48,48,1] tensor and one-hot labels for the given rows; `flip` mirrors a random half when given an RNG. */
export function makeBatch(
  data: Dataset,
  rows: ArrayLike<number>,
  start: number,
  end: number,
  flip?: Rng,
): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  const n = end - start;
  const pixels = new Float32Array(n * IMAGE_SIZE);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[start + i] as number;
    const src = data.images.subarray(row * IMAGE_SIZE, (row + 1) * IMAGE_SIZE);
    const dst = i * IMAGE_SIZE;
    if (flip && flip.next() < 0.5) {
      for (let y = 0; y < IMAGE_SIDE; y++) {
        const o = y * IMAGE_SIDE;
        for (let x = 0; x < IMAGE_SIDE; x++) pixels[dst + o + x] = (src[o + IMAGE_SIDE - 1 - x] as number) / 255;
      }
    } else {
      for (let p = 0; p < IMAGE_SIZE; p++) pixels[dst + p] = (src[p] as number) / 255;
    }
    labels[i] = data.labels[row] as number;
  }
  // One tidy for both, so a failure making the labels does not strand the images.
  return tf.tidy(() => ({
    xs: tf.tensor4d(pixels, [n, IMAGE_SIDE, IMAGE_SIDE, 1]),
    ys: tf.oneHot(tf.tensor1d(labels, 'int32'), NUM_CLASSES).toFloat() as tf.Tensor2D,
  }));
}
