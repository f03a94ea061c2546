/** The last run's best network handed out: as tfjs LayersModel files, and as a classifier of one face image. */
import * as Comlink from 'comlink';
import { CLASS_NAMES } from '../data/dataset';
import { exportModel, type ExportedModel } from '../ml/export';
import { MODEL_INPUT, predictImage, withTrainedModel } from '../ml/trained';
import type { RunBest } from './runs';

/** model.json + weights with the chromosome and metrics in model.json's metadata; the weights buffer is transferred. */
export async function exportBest({ best, config }: RunBest): Promise<ExportedModel> {
  const exported = await withTrainedModel(best, config.network, (model) =>
    exportModel(model, {
      evolab: { chromosome: best.chromosome, valAccuracy: best.fitness, network: config.network, input: MODEL_INPUT, classes: CLASS_NAMES },
    }),
  );
  return Comlink.transfer(exported, [exported.weights]);
}

/** The class probabilities of the best network for one 48x48 grayscale image (2304 bytes, row-major). */
export function predictBest({ best, config }: RunBest, pixels: Uint8Array): Promise<number[]> {
  return withTrainedModel(best, config.network, (model) => predictImage(model, pixels));
}
