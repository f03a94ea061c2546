/**
 * Trains one candidate network: seeded shuffles, early stopping with best-weight restore, NaN guard, cancel within a
 * batch, a time budget, and a continuation state that later trains more epochs exactly as one longer training would.
 */
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../ga/chromosome';
import { Rng, type RngState } from '../ga/rng';
import type { Dataset } from '../data/dataset';
import { makeBatch } from './batches';
import { dropoutState, restoreDropoutState, type DropoutState } from './dropout';
import { evaluate } from './evaluate';
import { buildModel, type NetworkSettings } from './model';
import { makeOptimizer, optimizerState, restoreOptimizerState, type OptimizerState } from './optimizers';
import { backendCrash, takeBackendFault } from './backend';
import { figureRow, FigureReadback } from './readback';
import { DEFAULT_RUN_CONFIG, trainingSettings } from '../settings';

export interface TrainSettings {
  readonly epochs: number;
  readonly batchSize: number;
  /**
   * Early stopping, and the one rule for which weights are kept. 0: no early stopping; the last epoch's weights are
   * kept and that epoch's validation accuracy is the fitness. N > 0: training stops after N epochs without a lower
   * validation loss, the lowest-validation-loss epoch's weights are restored and that epoch's validation accuracy is
   * the fitness. Either way the fitness is the validation accuracy of exactly the weights returned, tested and exported.
   */
  readonly patience: number;
  readonly augmentFlip: boolean;
  readonly network: NetworkSettings;
  /**
   * Time budget in seconds (wall time of the training, validation passes and earlier continued calls included): a
   * candidate still training past it is stopped and ends as 'over-budget'. Unset: no budget.
   */
  readonly maxSeconds?: number;
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

export type TrainStatus = 'trained' | 'diverged' | 'failed' | 'cancelled' | 'skipped' | 'over-budget';

export interface TrainResult {
  readonly status: TrainStatus;
  readonly reason?: string;
  /** Validation accuracy of the returned weights (the rule is under TrainSettings.patience): the GA's fitness. */
  readonly valAccuracy: number;
  /** Validation loss of the same weights. */
  readonly valLoss: number;
  /** The epoch (1-based) whose weights are returned; 0 when none finished. */
  readonly keptEpoch: number;
  /** Epochs trained in total, those of the continued state included. */
  readonly epochsRun: number;
  /** True when early stopping ended the training: more epochs would not change it. */
  readonly stoppedEarly: boolean;
  /** Wall seconds of this call. */
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly params: number;
}

/** Plain copies of a model's weights: they outlive any backend and cross the worker boundary. */
export interface WeightSnapshot {
  readonly shapes: number[][];
  readonly values: Float32Array[];
}

/**
 * Everything needed to continue a training where it stopped, as plain data (structured-clone safe; packTrainState in
 * src/experiment/weights.ts writes it to one buffer). Training k epochs, then continuing this state to k + m epochs,
 * gives exactly the weights, optimizer state and fitness of one training to k + m epochs.
 */
export interface TrainState {
  readonly epochsDone: number;
  /** The model's current weights (the last epoch's, which the kept ones may not be). */
  readonly weights: WeightSnapshot;
  readonly optimizer: OptimizerState;
  /** The shuffling and flipping RNG. */
  readonly rng: RngState;
  /** The training rows in their order after the last shuffle (each epoch shuffles the previous order). */
  readonly order: Int32Array;
  readonly dropout: DropoutState;
  /** The kept epoch (1-based), its validation figures and weights (null weights: the current ones); null before any epoch. */
  readonly kept: {
    readonly epoch: number;
    readonly accuracy: number;
    readonly loss: number;
    readonly weights: WeightSnapshot | null;
  } | null;
  /** Epochs since the validation loss last improved. */
  readonly stale: number;
  /** True when early stopping ended the training. */
  readonly stopped: boolean;
  /** Wall seconds so far (the time budget counts them), training images and the seconds of their steps (img/s). */
  readonly seconds: number;
  readonly images: number;
  readonly trainSeconds: number;
}

export interface TrainInput {
  readonly chromosome: Chromosome;
  readonly data: Dataset;
  readonly train: Int32Array;
  readonly val: Int32Array;
  /** `epochs` is the total to reach, the epochs of a continued state included. */
  readonly settings: TrainSettings;
  /** Seeds initial weights, shuffles and augmentation. */
  readonly seed: number;
  /** Continue this state (same chromosome, data, settings and seed) instead of starting afresh. */
  readonly resume?: TrainState;
}

/** What to do after a batch: go on, wait and ask again, end the candidate as cancelled, or end it as skipped. */
export type ControlDecision = 'go' | 'pause' | 'stop' | 'skip';

/** What the trainer reads: the run's RunController (src/experiment/control.ts) is one. */
export interface TrainControl {
  check(): ControlDecision;
}

export interface TrainOptions {
  readonly onProgress?: (p: TrainProgress) => void;
  /**
   * Read after every batch ('stop' cancels, 'skip' ends this candidate as skipped, 'pause' waits and reads again) and
   * after every validation pass (a 'skip' then is for this candidate too; 'stop' and 'pause' act at the next batch).
   */
  readonly control?: TrainControl;
  /** Wall clock in ms; injected for tests. */
  readonly now?: () => number;
  /**
   * Batches between reads of the training figures (loss, accuracy, the NaN check, progress); unset: chosen from the
   * measured batch time so that a read comes about every half second (src/ml/readback.ts). 1 reads after every batch.
   */
  readonly readEvery?: number;
  /** Also return the state to continue from (unless early stopping ended the training). */
  readonly keepState?: boolean;
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
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** The control's decision once any pause is over; `first` is the decision already read, if any. */
async function decide(control: TrainControl | undefined, first?: ControlDecision): Promise<'go' | 'stop' | 'skip'> {
  let decision = first ?? control?.check() ?? 'go';
  while (decision === 'pause') {
    await new Promise((resolve) => setTimeout(resolve, PAUSE_POLL_MS));
    decision = control?.check() ?? 'go';
  }
  return decision;
}

/**
 * One optimiser step on rows order[start..end); returns its figures as one row left on the device (read later, see
 * src/ml/readback.ts). Every other tensor it makes is disposed, also when a call in it throws.
 */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  data: Dataset,
  order: Int32Array,
  start: number,
  end: number,
  flip: Rng | undefined,
): tf.Tensor1D {
  const made: tf.Tensor[] = [];
  try {
    const { xs, ys } = makeBatch(data, order, start, end, flip);
    made.push(xs, ys);
    // Correct predictions, and the sum of all probabilities: NaN once the network is, even where the loss is not.
    const side: { correct?: tf.Scalar; probSum?: tf.Scalar } = {};
    const lossT = optimizer.minimize(() => {
      const probs = model.apply(xs, { training: true }) as tf.Tensor2D;
      const correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), tf.argMax(ys, 1)), 'float32'))) as tf.Scalar;
      const probSum = tf.keep(tf.sum(probs)) as tf.Scalar;
      made.push(correct, probSum);
      Object.assign(side, { correct, probSum });
      return tf.losses.softmaxCrossEntropy(ys, tf.log(tf.clipByValue(probs, 1e-7, 1))) as tf.Scalar;
    }, true);
    if (lossT) made.push(lossT);
    // Sum of every weight after the update: NaN or infinite once the step blew the network up.
    // Pairwise adds, not addN: WebGPU's AddN binds every input at once and fails beyond 8 storage buffers.
    const weightSumT = tf.tidy(() =>
      model.trainableWeights.reduce<tf.Tensor>((acc, w) => tf.add(acc, tf.sum(w.read())), tf.scalar(0)),
    ) as tf.Scalar;
    made.push(weightSumT);
    return tf.tidy(() =>
      figureRow(lossT ?? tf.scalar(NaN), side.correct ?? tf.scalar(0), side.probSum ?? tf.scalar(NaN), weightSumT),
    );
  } finally {
    tf.dispose(made);
  }
}

/**
 * Trains a fresh network for the chromosome, or continues `input.resume`, to `settings.epochs` epochs in total.
 * Returns the result and the model with the kept weights (the rule is under TrainSettings.patience); the caller owns
 * (and must dispose) the model. With `keepState`, also the state to continue from (taken before the kept weights are
 * put back). On failure, cancel, skip or a spent time budget the model is disposed here and `model` is undefined.
 * Every tensor made here is disposed on every path, errors included.
 */
export async function trainCandidate(
  input: TrainInput,
  opts: TrainOptions = {},
): Promise<{ result: TrainResult; model?: tf.LayersModel; state?: TrainState }> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const { settings, data, chromosome } = input;
  const control = opts.control;
  const resume = input.resume;
  const rng = resume ? Rng.fromState(resume.rng) : Rng.fromSeed(input.seed);
  let model: tf.LayersModel | undefined;
  let optimizer: tf.Optimizer | undefined;
  /** Validation figures of the weights that will be returned. */
  let kept: { accuracy: number; loss: number } | undefined = resume?.kept
    ? { accuracy: resume.kept.accuracy, loss: resume.kept.loss }
    : undefined;
  let keptEpoch = resume?.kept?.epoch ?? 0;
  /** With early stopping: a copy of the kept epoch's weights, while later epochs change the model. */
  // Null kept weights in a state are its current weights; without early stopping the last epoch is always kept.
  let keptWeights: WeightSnapshot | undefined =
    resume?.kept && settings.patience > 0 ? (resume.kept.weights ?? resume.weights) : undefined;
  let epochsRun = resume?.epochsDone ?? 0;
  let images = resume?.images ?? 0;
  let trainSeconds = resume?.trainSeconds ?? 0;
  let stale = resume?.stale ?? 0;
  let stopped = resume?.stopped ?? false;
  const earlierSeconds = resume?.seconds ?? 0;
  let params = 0;
  const reads = new FigureReadback(now, opts.readEvery);
  const finish = (status: TrainStatus, reason?: string): TrainResult => ({
    status,
    ...(reason === undefined ? {} : { reason }),
    valAccuracy: kept?.accuracy ?? 0,
    valLoss: kept?.loss ?? NaN,
    keptEpoch,
    epochsRun,
    stoppedEarly: stopped,
    seconds: (now() - t0) / 1000,
    imagesPerSecond: trainSeconds > 0 ? images / trainSeconds : 0,
    params,
  });
  const fail = (status: TrainStatus, reason?: string): { result: TrainResult } => {
    model?.dispose();
    model = undefined;
    return { result: finish(status, reason) };
  };
  const budget = settings.maxSeconds;
  const overBudget = (): boolean => budget !== undefined && earlierSeconds + (now() - t0) / 1000 > budget;
  const overBudgetReason = (): string => `ran past its time budget of ${budget ?? 0} s`;
  try {
    model = buildModel(chromosome, settings.network, input.seed);
    params = model.countParams();
    optimizer = makeOptimizer(chromosome.optimizer, chromosome.learningRate);
    // The optimizer's slots belong to these variables (by name or by position); a rebuilt model has new names.
    const weightNames = model.trainableWeights.map((w) => w.name);
    if (resume) {
      restoreWeights(model, resume.weights);
      restoreOptimizerState(optimizer, weightNames, resume.optimizer);
      restoreDropoutState(model, resume.dropout);
    }
    const order = Int32Array.from(resume?.order ?? input.train);
    const batches = Math.ceil(order.length / settings.batchSize);
    for (let epoch = epochsRun; epoch < settings.epochs && !stopped; epoch++) {
      rng.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      /** Reads the kept figures: why the candidate ends (a backend fault, a NaN in any batch read), or null. */
      const readFigures = async (): Promise<{ status: TrainStatus; reason: string } | null> => {
        const tr = now();
        const figures = await reads.take();
        trainSeconds += (now() - tr) / 1000;
        // A lost device or GPU out-of-memory is reported asynchronously; its reason beats the NaN it may cause.
        const fault = takeBackendFault();
        if (fault !== null) return { status: 'failed', reason: fault };
        for (const f of figures) {
          if (!Number.isFinite(f.loss))
            return { status: 'diverged', reason: `loss became ${f.loss} at epoch ${epoch + 1}, batch ${f.batch}` };
          lossSum += f.loss * f.n;
          correct += f.correct;
          seen += f.n;
        }
        const last = figures[figures.length - 1];
        if (last) {
          opts.onProgress?.({
            kind: 'batch',
            epoch: epoch + 1,
            epochs: settings.epochs,
            batch: last.batch,
            batches,
            loss: lossSum / seen,
            accuracy: correct / seen,
            imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
          });
        }
        return null;
      };
      for (let b = 0; b < batches; b++) {
        const start = b * settings.batchSize;
        const end = Math.min(order.length, start + settings.batchSize);
        const tb = now();
        reads.add(
          trainStep(model, optimizer, data, order, start, end, settings.augmentFlip ? rng : undefined),
          b + 1,
          end - start,
          tb,
        );
        trainSeconds += (now() - tb) / 1000;
        images += end - start;
        const fault = takeBackendFault();
        if (fault !== null) return fail('failed', fault);
        // Figures are read every k batches, at the epoch's end and before a pause, never to decide Stop or Skip.
        const ended = reads.due || b === batches - 1 ? await readFigures() : null;
        if (ended) return fail(ended.status, ended.reason);
        await yieldToEvents();
        const first = control?.check();
        const paused = first === 'pause' && reads.size > 0 ? await readFigures() : null;
        if (paused) return fail(paused.status, paused.reason);
        const decision = await decide(control, first);
        if (decision === 'stop') return fail('cancelled', 'stopped by user');
        if (decision === 'skip') return fail('skipped', 'skipped by user');
        if (overBudget()) return fail('over-budget', overBudgetReason());
      }
      epochsRun = epoch + 1;
      const val = await evaluate(model, data, input.val);
      opts.onProgress?.({
        kind: 'epoch',
        epoch: epoch + 1,
        epochs: settings.epochs,
        batch: batches,
        batches,
        loss: lossSum / Math.max(seen, 1),
        accuracy: correct / Math.max(seen, 1),
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        imagesPerSecond: images / Math.max(trainSeconds, 1e-9),
      });
      if (settings.patience === 0) {
        kept = { accuracy: val.accuracy, loss: val.loss };
        keptEpoch = epoch + 1;
      } else if (kept === undefined || val.loss < kept.loss) {
        kept = { accuracy: val.accuracy, loss: val.loss };
        keptEpoch = epoch + 1;
        stale = 0;
        // After this call's last epoch the model holds these weights itself.
        keptWeights = epoch < settings.epochs - 1 ? await snapshotWeights(model) : undefined;
      } else {
        stopped = ++stale >= settings.patience;
      }
      // A Skip pressed during the validation pass was meant for this candidate, not for the next one.
      if (control?.check() === 'skip') return fail('skipped', 'skipped by user');
      if (overBudget()) return fail('over-budget', overBudgetReason());
    }
    let state: TrainState | undefined;
    if (opts.keepState && !stopped) {
      const current = await snapshotWeights(model);
      state = {
        epochsDone: epochsRun,
        weights: current,
        optimizer: await optimizerState(optimizer, weightNames),
        rng: rng.state(),
        order,
        dropout: dropoutState(model),
        kept: kept ? { ...kept, epoch: keptEpoch, weights: keptWeights ?? null } : null,
        stale,
        stopped,
        seconds: earlierSeconds + (now() - t0) / 1000,
        images,
        trainSeconds,
      };
    }
    if (keptWeights) restoreWeights(model, keptWeights);
    return { result: finish('trained'), model, ...(state ? { state } : {}) };
  } catch (e) {
    // A crashed wasm module fails every later call too: not this candidate's fault, and nothing here can be disposed.
    const crash = backendCrash(e);
    if (crash) {
      optimizer = undefined;
      reads.forget();
      throw crash;
    }
    return fail('failed', takeBackendFault() ?? (e instanceof Error ? e.message : String(e)));
  } finally {
    reads.dispose();
    optimizer?.dispose();
  }
}
