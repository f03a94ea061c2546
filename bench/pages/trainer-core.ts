/** One candidate trained by the app's trainer (trainCandidate) on a generated sample, timed; shared by the Chromium page and Node. */
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../../src/ga/chromosome';
import { syntheticDataset } from '../../src/data/synthetic';
import { makeSplits } from '../../src/data/splits';
import { trainCandidate } from '../../src/ml/train';

export interface TrainerBenchOptions {
  readonly chromosome: Chromosome;
  readonly batch: number;
  /** Generated images per class: the training rows are about 80% of 7 times this. */
  readonly perClass: number;
  readonly epochs: number;
  readonly denseUnits: number;
}

export interface TrainerBenchResult {
  readonly backend: string;
  readonly status: string;
  /** Training images per second as the trainer reports it (steps and reads, not validation). */
  readonly imagesPerSecond: number;
  /** Wall seconds of the whole candidate, validation included. */
  readonly seconds: number;
  readonly trainImages: number;
  /** Progress events of kind 'batch': one per read of the figures. */
  readonly batchEvents: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  /** FNV-1a of the returned weights' bytes: equal hashes, identical weights. */
  readonly weightsHash: string;
}

function fnv1a(arrays: readonly Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Trains one candidate with seed 1 on the current backend; the model is disposed. */
export async function benchTrainer(o: TrainerBenchOptions): Promise<TrainerBenchResult> {
  const data = syntheticDataset(o.perClass, 1);
  const { splits } = makeSplits(data, { mode: 'canonical', seed: 1 });
  let batchEvents = 0;
  const { result, model } = await trainCandidate(
    {
      chromosome: o.chromosome,
      data,
      train: splits.train,
      val: splits.val,
      seed: 1,
      settings: {
        epochs: o.epochs,
        batchSize: o.batch,
        patience: 0,
        augmentFlip: true,
        network: { denseUnits: o.denseUnits, dropoutConv: 0.25, dropoutDense: 0.5 },
      },
    },
    { onProgress: (p) => void (p.kind === 'batch' && batchEvents++) },
  );
  const weights = model ? await Promise.all(model.getWeights().map(async (w) => new Float32Array(await w.data()))) : [];
  model?.dispose();
  return {
    backend: tf.getBackend(),
    status: result.status,
    imagesPerSecond: result.imagesPerSecond,
    seconds: result.seconds,
    trainImages: splits.train.length * result.epochsRun,
    batchEvents,
    valLoss: result.valLoss,
    valAccuracy: result.valAccuracy,
    weightsHash: fnv1a(weights),
  };
}
