/** Checks of the CLI's exported models, shared by the train and evolve tests. */
import { createReadStream } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parseFer2013 } from '../../src/data/fer2013';
import { makeSplits } from '../../src/data/splits';
import { loadExportedModelDir } from './exportedModel';

/** Loads DIR/model with tf.loadLayersModel and scores it on the split's test rows with pixels / 255 as its input. */
export async function scoreExport(
  dir: string,
  csv: string,
  split: { mode: 'canonical' | 'paper' | 'paper-clean'; seed: number; perClass: number },
): Promise<{ accuracy: number; confusion: number[][]; count: number }> {
  const model = await loadExportedModelDir(dir);
  const parsed = await parseFer2013(createReadStream(csv), { seed: split.seed });
  if (!parsed.ok) throw new Error(parsed.error);
  const data = parsed.dataset;
  const rows = makeSplits(data, { mode: split.mode, seed: split.seed, perClassCap: split.perClass }).splits.test;
  const x = new Float32Array(rows.length * 2304);
  rows.forEach((row, i) => {
    for (let p = 0; p < 2304; p++) x[i * 2304 + p] = (data.images[row * 2304 + p] as number) / 255;
  });
  const predicted = tf.tidy(() =>
    Array.from(
      (tf.argMax(model.predict(tf.tensor4d(x, [rows.length, 48, 48, 1])) as tf.Tensor, 1) as tf.Tensor).dataSync(),
    ),
  );
  model.dispose();
  const confusion = Array.from({ length: 7 }, () => new Array<number>(7).fill(0));
  let correct = 0;
  rows.forEach((row, i) => {
    const truth = data.labels[row] as number;
    const p = predicted[i] as number;
    (confusion[truth] as number[])[p] = ((confusion[truth] as number[])[p] ?? 0) + 1;
    if (truth === p) correct++;
  });
  return { accuracy: correct / rows.length, confusion, count: rows.length };
}
