/** The hardware reference that benchmark sections divide by, so their figures compare across machines. */
import * as tf from '@tensorflow/tfjs';

/** GFLOP/s of a 256x256 float32 matmul on the current backend (one warm-up, then 20 timed products). */
export async function referenceGflops(): Promise<number> {
  const n = 256;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const once = async (): Promise<void> => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  };
  await once();
  const reps = 20;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await once();
  const s = (performance.now() - t0) / 1000;
  tf.dispose([a, b]);
  return (2 * n * n * n * reps) / s / 1e9;
}
