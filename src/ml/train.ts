/** Trains one candidate network: seeded shuffles, early stopping with best-weight restore, NaN guard, cancel within a batch. */
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../ga/chromosome';
import { Rng } from '../ga/rng';
import type { Dataset } from '../data/dataset';
import { makeBatch } from './batches';
import { evaluate, type Evaluation } from './evaluate';
import { buildModel, type NetworkSettings } from './model';
import { makeOptimizer } from './optimizers';
import { takeBackendFault } from './backend';
import { DEFAULT_RUN_CONFIG, trainingSettings } from '../settings';

export interface TrainSettings {
  readonly epochs: number;
  readonly batchSize: number;
  /** Epochs without validation-loss improvement before stopping; 0 disables early stopping. */
  readonly patience: number;
  readonly augmentFlip: boolean;
  readonly network: NetworkSettings;
}

/** How a candidate trains when nothing else is said (the settings schema's defaults). */
export const DEFAULT_TRAIN: TrainSettings = trainingSettings(DEFAULT_RUN_CONFIG);

/** Progress of one candidate; `kind: 'batch'` after each step, `'epoch'` after each validation. */
export interface TrainProgress {
  readonly kind: 'batch' | 'epoch';
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
  readonly imagesPerSecond: number;
}

export type TrainStatus = 'trained' | 'diverged' | 'failed' | 'cancelled' | 'skipped';

export interface TrainResult {
  readonly status: TrainStatus;
  readonly reason?: string;
  /** Validation accuracy of the restored best weights: the GA's fitness. */
  readonly valAccuracy: number;
  readonly valLoss: number;
  readonly epochsRun: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly params: number;
}

/** Plain copies of a model's weights: they outlive any backend and cross the worker boundary. */
export interface WeightSnapshot {
  readonly shapes: number[][];
  readonly values: Float32Array[];
}

export interface TrainInput {
  readonly chromosome: Chromosome;
  readonly data: Dataset;
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly settings: TrainSettings;
  /** Seeds initial weights, shuffles and augmentation. */
  readonly seed: number;
}

export interface TrainOptions {
  readonly onProgress?: (p: TrainProgress) => void;
  /** Checked after every batch: 'stop' cancels, 'skip' ends this candidate as skipped, 'pause' waits and asks again. */
  readonly control?: () => 'go' | 'stop' | 'skip' | 'pause';
  /** Wall clock in ms; injected for tests. */
  readonly now?: () => number;
}

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
/** How often a paused trainer asks whether to go on: short enough that Resume, Stop and Skip feel immediate. */
const PAUSE_POLL_MS = 50;

/** Copies the model's weights out of the backend. */
export async function snapshotWeights(model: tf.LayersModel): Promise<WeightSnapshot> {
  const weights = model.getWeights();
  const values = await Promise.all(weights.map(async (w) => new Float32Array(await w.data())));
  return { shapes: weights.map((w) => w.shape.slice()), values };
}

/** Loads a snapshot into a model built from the same chromosome. */
export function restoreWeights(model: tf.LayersModel, snap: WeightSnapshot): void {
  const tensors = snap.values.map((v, i) => tf.tensor(v, snap.shapes[i]));
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/**
 * Trains a fresh network for the chromosome. Returns the result and the model with its best weights; the caller owns
 * (and must dispose) the model. On failure the model is disposed here and `model` is undefined.
 */
export async function trainCandidate(
  input: TrainInput,
  opts: TrainOptions = {},
): Promise<{ result: TrainResult; model?: tf.LayersModel }> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const { settings, data } = input;
  const rng = Rng.fromSeed(input.seed);
  let model: tf.LayersModel | undefined;
  let optimizer: tf.Optimizer | undefined;
  let best: WeightSnapshot | undefined;
  let bestValLoss = Infinity;
  let bestVal: Evaluation | undefined;
  let epochsRun = 0;
  let images = 0;
  let trainSeconds = 0;
  let params = 0;
  const finish = (status: TrainStatus, reason?: string): TrainResult => ({
    status,
    ...(reason === undefined ? {} : { reason }),
    valAccuracy: bestVal?.accuracy ?? 0,
    valLoss: bestVal?.loss ?? NaN,
    epochsRun,
    seconds: (now() - t0) / 1000,
    imagesPerSecond: trainSeconds > 0 ? images / trainSeconds : 0,
    params,
  });
  const fail = (status: TrainStatus, reason?: string): { result: TrainResult } => {
    model?.dispose();
    model = undefined;
    return { result: finish(status, reason) };
  };
  try {
    model = buildModel(input.chromosome, settings.network, input.seed);
    params = model.countParams();
    optimizer = makeOptimizer(input.chromosome.optimizer, input.chromosome.learningRate);
    const order = Int32Array.from(input.train);
    const batches = Math.ceil(order.length / settings.batchSize);
    let stale = 0;
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      rng.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        const start = b * settings.batchSize;
        const end = Math.min(order.length, start + settings.batchSize);
        const tb = now();
        const { xs, ys } = makeBatch(data, order, start, end, settings.augmentFlip ? rng : undefined);
        const m = model;
        // [correct predictions, sum of all probabilities]: the sum is NaN once the network is, even where the loss is not.
        let statsT: tf.Tensor1D | undefined;
        const lossT = optimizer.minimize(() => {
          const probs = m.apply(xs, { training: true }) as tf.Tensor2D;
          const correctT = tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), tf.argMax(ys, 1)), 'float32'));
          statsT = tf.keep(tf.stack([correctT, tf.sum(probs)])) as tf.Tensor1D;
          return tf.losses.softmaxCrossEntropy(ys, tf.log(tf.clipByValue(probs, 1e-7, 1))) as tf.Scalar;
        }, true);
        // Sum of every weight after the update: NaN or infinite once the step blew the network up.
        // Pairwise adds, not addN: WebGPU's AddN binds every input at once and fails beyond 8 storage buffers.
        const weightSumT = tf.tidy(() => m.trainableWeights.reduce<tf.Tensor>((acc, w) => tf.add(acc, tf.sum(w.read())), tf.scalar(0)));
        const [lossV, statsV, weightSumV] = await Promise.all([lossT?.data(), statsT?.data(), weightSumT.data()]);
        tf.dispose([xs, ys, lossT as tf.Tensor, statsT as tf.Tensor, weightSumT]);
        const correctV = statsV?.subarray(0, 1);
        // wasm's ClipByValue and Relu map NaN to a bound, so a network of NaN weights can show a finite loss (-log(1e-7)):
        // the probabilities and weights are checked too, and any non-finite one counts as a NaN loss (as in Keras).
        const finite = Number.isFinite(statsV?.[1] ?? NaN) && Number.isFinite(weightSumV[0] ?? NaN);
        const loss = finite ? (lossV?.[0] ?? NaN) : NaN;
        const n = end - start;
        trainSeconds += (now() - tb) / 1000;
        images += n;
        // A lost device or GPU out-of-memory is reported asynchronously; its reason beats the NaN it may cause.
        const fault = takeBackendFault();
        if (fault !== null) return fail('failed', fault);
        if (!Number.isFinite(loss)) return fail('diverged', `loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1}`);
        lossSum += loss * n;
        correct += correctV?.[0] ?? 0;
        seen += n;
        opts.onProgress?.({
          kind: 'batch', epoch: epoch + 1, epochs: settings.epochs, batch: b + 1, batches,
          loss: lossSum / seen, accuracy: correct / seen, imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
        });
        await yieldToEvents();
        let control = opts.control?.() ?? 'go';
        while (control === 'pause') {
          await new Promise((resolve) => setTimeout(resolve, PAUSE_POLL_MS));
          control = opts.control?.() ?? 'go';
        }
        if (control === 'stop') return fail('cancelled', 'stopped by user');
        if (control === 'skip') return fail('skipped', 'skipped by user');
      }
      epochsRun = epoch + 1;
      const val = await evaluate(model, data, input.val);
      opts.onProgress?.({
        kind: 'epoch', epoch: epoch + 1, epochs: settings.epochs, batch: batches, batches,
        loss: lossSum / Math.max(seen, 1), accuracy: correct / Math.max(seen, 1),
        valLoss: val.loss, valAccuracy: val.accuracy, imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
      });
      if (val.loss < bestValLoss || bestVal === undefined) {
        bestValLoss = val.loss;
        bestVal = val;
        best = settings.patience > 0 && epoch < settings.epochs - 1 ? await snapshotWeights(model) : undefined;
        stale = 0;
      } else if (settings.patience > 0 && ++stale >= settings.patience) {
        break;
      }
    }
    if (best && bestVal) restoreWeights(model, best);
    return { result: finish('trained'), model };
  } catch (e) {
    return fail('failed', takeBackendFault() ?? (e instanceof Error ? e.message : String(e)));
  } finally {
    optimizer?.dispose();
  }
}
