/** The network the lab hands out (a run's best, or its final network): as tfjs LayersModel files, and as a classifier of one face image. */
import * as Comlink from 'comlink';
import { CLASS_NAMES } from '../data/dataset';
import { exportModel, type ExportedModel } from '../ml/export';
import { MODEL_INPUT, predictImage, withTrainedModel } from '../ml/trained';
import type { ServedModel } from './runs';

/** model.json + weights with the chromosome, which network it is and its metrics in model.json's metadata; the weights buffer is transferred. */
export async function exportServed({ source, trained, network, info }: ServedModel): Promise<ExportedModel> {
  const exported = await withTrainedModel(trained, network, (model) =>
    exportModel(model, {
      evolab: { ...info, model: source, chromosome: trained.chromosome, network, input: MODEL_INPUT, classes: CLASS_NAMES },
    }),
  );
  return Comlink.transfer(exported, [exported.weights]);
}

/** The class probabilities of the network for one 48x48 grayscale image (2304 bytes, row-major). */
export function predictServed({ trained, network }: ServedModel, pixels: Uint8Array): Promise<number[]> {
  return withTrainedModel(trained, network, (model) => predictImage(model, pixels));
}
