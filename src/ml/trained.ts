/** A trained network rebuilt from its chromosome and weight snapshot, for export and prediction (the worker and the CLI). */
import * as tf from '@tensorflow/tfjs';
import { IMAGE_SIDE, IMAGE_SIZE } from '../data/dataset';
import type { Chromosome } from '../ga/chromosome';
import { buildModel, type NetworkSettings } from './model';
import { restoreWeights, type WeightSnapshot } from './train';

/** What a trained network is as plain data. */
export interface TrainedNetwork {
  readonly chromosome: Chromosome;
  readonly weights: WeightSnapshot;
}

/** The model's input as its metadata describes it: the scaling training uses (src/ml/batches.ts). */
export const MODEL_INPUT = '[n,48,48,1] float32, pixel / 255';

/** The network with its weights restored; the caller disposes it. */
export function buildTrainedModel(trained: TrainedNetwork, network: NetworkSettings): tf.LayersModel {
  const model = buildModel(trained.chromosome, network);
  try {
    restoreWeights(model, trained.weights);
    return model;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Builds the network, restores its weights, hands it to `use` and disposes it afterwards, also when `use` throws. */
export async function withTrainedModel<T>(
  trained: TrainedNetwork,
  network: NetworkSettings,
  use: (model: tf.LayersModel) => Promise<T>,
): Promise<T> {
  const model = buildModel(trained.chromosome, network);
  try {
    restoreWeights(model, trained.weights);
    return await use(model);
  } finally {
    model.dispose();
  }
}

/** The class probabilities of `model` for one 48x48 grayscale image (row-major bytes), scaled as in training. */
export async function predictImage(model: tf.LayersModel, pixels: Uint8Array): Promise<number[]> {
  if (pixels.length !== IMAGE_SIZE) throw new Error(`expected ${IMAGE_SIZE} pixels (48x48), got ${pixels.length}`);
  const probs = tf.tidy(
    () =>
      model.predict(
        tf.tensor4d(
          Float32Array.from(pixels, (v) => v / 255),
          [1, IMAGE_SIDE, IMAGE_SIDE, 1],
        ),
      ) as tf.Tensor,
  );
  try {
    return Array.from(await probs.data());
  } finally {
    probs.dispose();
  }
}
