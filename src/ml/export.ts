/** Export of a trained network as a tfjs LayersModel (`model.json` + one weights file), loadable by `tf.loadLayersModel`. */
import * as tf from '@tensorflow/tfjs';

/** The two files of a saved LayersModel; `modelJson` references the weights file by `weightsFileName`. */
export interface ExportedModel {
  /** Text of model.json (topology, weights manifest, and our metadata under `userDefinedMetadata`). */
  readonly modelJson: string;
  readonly weightsFileName: string;
  readonly weights: ArrayBuffer;
}

const WEIGHTS_FILE = 'weights.bin';

/** Serialises the model; `metadata` (chromosome, metrics...) travels inside model.json. Does not change the model. */
export async function exportModel(model: tf.LayersModel, metadata: Record<string, unknown>): Promise<ExportedModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved || !saved.weightSpecs || !saved.weightData) throw new Error('the model produced no weights to export');
  const weights = tf.io.CompositeArrayBuffer.join(saved.weightData);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs} (Evolab)`,
    convertedBy: null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: saved.weightSpecs }],
    userDefinedMetadata: metadata,
  };
  return { modelJson: JSON.stringify(modelJson), weightsFileName: WEIGHTS_FILE, weights };
}

/** Loads an exported model back from memory (what `tf.loadLayersModel` does with the two files). */
export async function importModel(exported: ExportedModel): Promise<tf.LayersModel> {
  const json = JSON.parse(exported.modelJson) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: exported.weights }),
  );
}
