/**
 * One training step on identical weights, for the accuracy benchmark: the reference network built by src/ml/model.ts
 * with dropout off, one batch of the subset, its loss and the gradient of every weight on the wasm backend and on the
 * cpu backend (a control: tfjs' plain JavaScript kernels), written to a file that bench/torch_parity.py --check-step
 * loads into PyTorch to compare. Where accuracies differ for reasons seeds cannot explain, this points at the layer.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../src/ga/chromosome';
import { makeBatch } from '../src/ml/batches';
import { crossEntropyOfProbs } from '../src/ml/loss';
import { buildModel, DEFAULT_NETWORK } from '../src/ml/model';
import type { ParitySubset } from './parity-data';

/** What the PyTorch side reads: weights by `layer/weight` key in tfjs' layout, the batch rows, and each backend's results. */
export interface StepCheckFile {
  readonly chromosome: Chromosome;
  readonly denseUnits: number;
  readonly weights: Record<string, { shape: number[]; values: number[] }>;
  readonly rows: number[];
  readonly backends: Record<string, { loss: number; grads: Record<string, number[]> }>;
}

/** Gradients of one training step on `backends` (the current backend last, so it stays selected); writes the file. */
export async function writeStepCheck(
  file: string,
  chromosome: Chromosome,
  subset: ParitySubset,
  batchSize: number,
  backends: readonly string[],
): Promise<void> {
  const rows = Array.from(subset.train.subarray(0, batchSize));
  const net = { ...DEFAULT_NETWORK, dropoutConv: 0, dropoutDense: 0 };
  let weights: StepCheckFile['weights'] | undefined;
  let initial: tf.Tensor[] | undefined;
  const results: StepCheckFile['backends'] = {};
  for (const backend of backends) {
    if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend failed to initialise`);
    await tf.ready();
    const model = buildModel(chromosome, net, 1);
    try {
      const keyOf = new Map<string, string>();
      for (const layer of model.layers)
        for (const w of layer.weights) keyOf.set(w.name, `${layer.name}/${w.originalName.split('/').pop() ?? ''}`);
      // Every backend starts from the first one's weights, whatever its random draws would be.
      if (initial === undefined) {
        initial = model.getWeights().map((t) => tf.keep(t.clone()));
        weights = {};
        for (const w of model.weights)
          weights[keyOf.get(w.name) as string] = {
            shape: w.shape.map(Number),
            values: Array.from(await w.read().data()),
          };
      } else {
        model.setWeights(initial);
      }
      const { xs, ys } = makeBatch(subset.dataset, rows, 0, rows.length);
      const { value, grads } = tf.variableGrads(() =>
        crossEntropyOfProbs(ys as tf.Tensor2D, model.apply(xs, { training: true }) as tf.Tensor2D),
      );
      const byKey: Record<string, number[]> = {};
      for (const [name, g] of Object.entries(grads)) byKey[keyOf.get(name) ?? name] = Array.from(await g.data());
      results[backend] = { loss: (await value.data())[0] as number, grads: byKey };
      tf.dispose([xs, ys, value, ...Object.values(grads)]);
    } finally {
      model.dispose();
    }
  }
  tf.dispose(initial ?? []);
  const out: StepCheckFile = {
    chromosome,
    denseUnits: net.denseUnits,
    weights: weights ?? {},
    rows,
    backends: results,
  };
  writeFileSync(file, JSON.stringify(out));
}
