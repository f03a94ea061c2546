/**
 * The model's batch normalization: tfjs's BatchNormalization layer, except that a training step on the wasm backend
 * runs as one op with a custom gradient on two fused kernels (src/ml/kernels/batch-norm.ts) instead of the layers API's
 * moments, normalisation and their ~25 gradient passes. Inference, every other backend and every case the kernels do
 * not cover (no scale or offset, a channel axis that is not last) run the stock layer unchanged. It serialises as
 * 'BatchNormalization', so exported models load with a plain tf.loadLayersModel.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './kernels/batch-norm';
import { simdKernels } from './kernels/simd';

type StockBatchNorm = ReturnType<typeof tf.layers.batchNormalization>;
type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type CallKwargs = Parameters<StockBatchNorm['call']>[1];

/** The stock layer's internals this subclass reads (public fields in tfjs-layers' JavaScript). */
interface StockFields {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly gamma: tf.LayerVariable;
  readonly beta: tf.LayerVariable;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
}

// Taken from the serialization registry rather than by making a throwaway layer, which would shift auto-named layers.
const registered = tf.serialization.SerializationMap.getMap().classNameMap.BatchNormalization;
if (registered === undefined) throw new Error('tfjs-layers has no BatchNormalization class registered');
const Stock = registered[0] as unknown as new (args?: BatchNormArgs) => StockBatchNorm;

/**
 * y = normalised x scaled and offset, with the batch mean and variance of x over every axis but the last, through
 * the wasm kernels; the gradient covers x, scale and offset.
 */
function fusedTraining(
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  varianceEpsilon: number,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const attrs = { varianceEpsilon };
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args) => {
    const [xIn, scaleIn, offsetIn] = args as tf.Tensor[];
    const save = args[3] as (tensors: tf.Tensor[]) => void;
    const [y, mean, variance] = tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAIN,
        { x: xIn, scale: scaleIn, offset: offsetIn } as tf.NamedTensorMap,
        attrs,
      ) as tf.Tensor[];
    if (xIn === undefined || scaleIn === undefined || y === undefined || mean === undefined || variance === undefined) {
      throw new Error(`${BATCH_NORM_TRAIN} returned too little`);
    }
    save([xIn, scaleIn, mean, variance]);
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sscale, smean, svariance] = saved;
        const grads = tf
          .engine()
          .runKernel(
            BATCH_NORM_TRAIN_GRAD,
            { dy: dy as tf.Tensor, x: sx, scale: sscale, mean: smean, variance: svariance } as tf.NamedTensorMap,
            attrs,
          );
        return grads as tf.Tensor[];
      },
    };
  });
  const y = op(x, scale, offset);
  const [mean, variance] = stats;
  if (mean === undefined || variance === undefined) throw new Error('batch statistics missing');
  return { y, mean, variance };
}

/** The stock BatchNormalization with a fused training step on wasm (see the file comment). */
export class FusedBatchNormalization extends Stock {
  /** Stock class name: serialised models need no custom class to load. */
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const f = this as unknown as StockFields;
    const training = kwargs.training === true;
    const channelLast = x !== undefined && (f.axis === -1 || f.axis === x.rank - 1);
    const fusible =
      training &&
      x !== undefined &&
      x.dtype === 'float32' &&
      x.rank >= 2 &&
      channelLast &&
      f.center &&
      f.scale &&
      tf.getBackend() === 'wasm' &&
      simdKernels(tf.backend()) !== null;
    if (!fusible || x === undefined) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = fusedTraining(x, f.gamma.read(), f.beta.read(), f.epsilon);
      // The moving statistics follow the stock layer exactly: v -= (v - batch value) * (1 - momentum).
      for (const [variable, value] of [
        [f.movingMean, mean],
        [f.movingVariance, variance],
      ] as const) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - f.momentum)));
        });
        value.dispose();
      }
      return y;
    });
  }
}

/** tf.layers.batchNormalization with the fused training step on wasm. */
export function batchNormalization(args?: BatchNormArgs): FusedBatchNormalization {
  return new FusedBatchNormalization(args);
}
