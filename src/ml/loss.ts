/** The training loss, in one place for the trainer, the benchmarks and the backend-equivalence tests. */
import * as tf from '@tensorflow/tfjs';

/**
 * Keras' categorical cross-entropy of the network's softmax probabilities, averaged over the batch. Keras clips the
 * probabilities to [1e-7, 1] before the log, so a saturated softmax gives a large finite loss rather than Infinity.
 * softmaxCrossEntropy applies softmax to its logits; softmax(log p) = p for probabilities that sum to one.
 */
export function crossEntropyOfProbs(ys: tf.Tensor2D, probs: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(ys, tf.log(tf.clipByValue(probs, 1e-7, 1))) as tf.Scalar;
}
