/** The network the lab hands out (a run's best, or its final network): as tfjs LayersModel files, and as a classifier of one face image. */
import * as Comlink from 'comlink';
import { CLASS_NAMES } from '../data/dataset';
import { exportModel, type ExportedModel } from '../ml/export';
import type { LayersModel } from '@tensorflow/tfjs';
import { buildTrainedModel, MODEL_INPUT, predictImage, withTrainedModel } from '../ml/trained';
import type { ServedModel } from './runs';

/** model.json + weights with the chromosome, which network it is and its metrics in model.json's metadata; the weights buffer is transferred. */
export async function exportServed({ source, trained, network, info }: ServedModel): Promise<ExportedModel> {
  const exported = await withTrainedModel(trained, network, (model) =>
    exportModel(model, {
      evolab: {
        ...info,
        model: source,
        chromosome: trained.chromosome,
        network,
        input: MODEL_INPUT,
        classes: CLASS_NAMES,
      },
    }),
  );
  return Comlink.transfer(exported, [exported.weights]);
}

/** The network predictions run on, kept built while the same model is asked again (a camera asks several times a second). */
let kept: { readonly served: ServedModel; readonly model: LayersModel } | null = null;

/** The class probabilities of the network for one 48x48 grayscale image (2304 bytes, row-major). */
export function predictServed(served: ServedModel, pixels: Uint8Array): Promise<number[]> {
  if (kept?.served !== served) {
    kept?.model.dispose();
    kept = null;
    kept = { served, model: buildTrainedModel(served.trained, served.network) };
  }
  return predictImage(kept.model, pixels);
}

/** Frees the network predictions kept built (before a run or a training, so that training has the memory). */
export function releasePredictionModel(): void {
  kept?.model.dispose();
  kept = null;
}
