/** Loads the models the lab and the CLIs export (model.json and one weights file) with tf.loadLayersModel, as a user would. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** The parts of an exported model.json the loader reads. */
interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** The model from the text of its model.json and the bytes of its weights file (as a download or an export holds them). */
export function loadExportedModel(modelJson: string, weights: Uint8Array): Promise<tf.LayersModel> {
  const json = JSON.parse(modelJson) as ModelJson;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  );
}

/** The model a CLI exported to DIR (DIR/model.json and the weights file it names). */
export function loadExportedModelDir(dir: string): Promise<tf.LayersModel> {
  const text = readFileSync(path.join(dir, 'model.json'), 'utf8');
  const weightsFile = (JSON.parse(text) as ModelJson).weightsManifest[0]?.paths[0] ?? '';
  return loadExportedModel(text, readFileSync(path.join(dir, weightsFile)));
}
