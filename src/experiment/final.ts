/**
 * The final training: one chromosome trained from scratch with the run's settings (more epochs, usually), then scored
 * once on the test split. Shared by `npm run train`, `npm run evolve -- --final-epochs N` and the lab's Train best
 * longer, which all report it with the same events and the same FinalResult.
 */
import type { Chromosome } from '../ga/chromosome';
import type { Dataset, Splits } from '../data/dataset';
import { isLeakySplit } from '../data/splits';
import { recreateBackend, type BackendChoice } from '../ml/backend';
import { evaluate } from '../ml/evaluate';
import { networkCost } from '../ml/model';
import {
  snapshotWeights,
  trainCandidate,
  type TrainControl,
  type TrainProgress,
  type WeightSnapshot,
} from '../ml/train';
import { trainingSettings } from '../settings';
import { finalConfig, type FinalEpoch, type FinalResult } from './finalResult';
import { candidateSeed, PROGRESS_INTERVAL_MS } from './run';
import type { RunLogDataset } from './runlog';
import type { FinalOutcome, RunConfig, RunEvent } from './types';

/** What a final training needs. */
export interface FinalInput {
  readonly chromosome: Chromosome;
  /** The settings it trains with (a run's, with the final training's epochs and flip augmentation). */
  readonly config: RunConfig;
  readonly data: Dataset;
  readonly splits: Splits;
  /** How the run log names the data; copied into the result. */
  readonly dataset: RunLogDataset;
  readonly backend: BackendChoice;
  /** Read after every batch: 'stop' ends the training as stopped, 'pause' waits. */
  readonly control: TrainControl;
  readonly emit: (event: RunEvent) => void;
  /** The trainer; injectable for tests. */
  readonly train?: typeof trainCandidate;
  /** Wall clock in ms; injectable for tests. */
  readonly now?: () => number;
}

/** How a final training ended; `result` and `weights` (the kept weights, for export) when it is done. */
export interface FinalRun {
  readonly outcome: FinalOutcome;
  readonly result: FinalResult | null;
  readonly weights: WeightSnapshot | null;
  readonly reason?: string;
}

/** JSON has no NaN: an undefined loss is written as null. */
const finiteOrNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * Trains `chromosome` from scratch and scores the kept weights on the test split. The network starts from the same
 * initial weights and shuffles as the search's training of that chromosome with the same seed (candidateSeed), so a
 * final training with the search's epochs reproduces the search's model. Emits final-started, final-progress and
 * final-done; never throws for a failed training (the outcome says it).
 */
export async function trainFinal(input: FinalInput): Promise<FinalRun> {
  const now = input.now ?? ((): number => performance.now());
  const { chromosome, config, data, splits, emit } = input;
  const seed = config.seed;
  const fc = finalConfig(config);
  // WebGPU pools freed buffers by exact size until its backend goes: the final network starts on a fresh one.
  await recreateBackend();
  const t0 = now();
  emit({
    type: 'final-started',
    chromosome,
    config: fc,
    seed,
    params: networkCost(chromosome, config.network).params,
    testCount: splits.test.length,
  });
  const epochs: FinalEpoch[] = [];
  let epochStart = t0;
  let lastSent = -Infinity;
  const onProgress = (p: TrainProgress): void => {
    const t = now();
    if (p.kind === 'epoch') {
      epochs.push({
        epoch: p.epoch,
        loss: p.loss,
        accuracy: p.accuracy,
        valLoss: finiteOrNull(p.valLoss),
        valAccuracy: p.valAccuracy ?? 0,
        seconds: (t - epochStart) / 1000,
      });
      epochStart = t;
    }
    if (p.kind === 'epoch' || t - lastSent >= PROGRESS_INTERVAL_MS) {
      lastSent = t;
      emit({ type: 'final-progress', progress: p });
    }
  };
  const train = input.train ?? trainCandidate;
  const { result, model } = await train(
    {
      chromosome,
      data,
      train: splits.train,
      val: splits.val,
      settings: trainingSettings(config),
      seed: candidateSeed(seed, chromosome),
    },
    { onProgress, control: input.control, now },
  );
  if (!model || result.status !== 'trained') {
    model?.dispose();
    const outcome: FinalOutcome = result.status === 'cancelled' || result.status === 'skipped' ? 'stopped' : 'failed';
    const reason =
      outcome === 'stopped'
        ? 'stopped by user'
        : result.status === 'diverged'
          ? `diverged: ${result.reason ?? ''}`
          : (result.reason ?? 'training failed');
    // Out-of-memory or a lost device can leave the backend unusable for what comes next.
    if (result.status === 'failed') await recreateBackend().catch(() => undefined);
    emit({ type: 'final-done', outcome, result: null, reason });
    return { outcome, result: null, weights: null, reason };
  }
  try {
    const test = splits.test.length > 0 ? await evaluate(model, data, splits.test) : null;
    const weights = await snapshotWeights(model);
    const final: FinalResult = {
      chromosome,
      config: fc,
      backend: { name: input.backend.name, reason: input.backend.reason },
      seed,
      dataset: { ...input.dataset },
      epochs,
      keptEpoch: result.keptEpoch,
      valAccuracy: result.valAccuracy,
      valLoss: finiteOrNull(result.valLoss),
      testAccuracy: test ? test.accuracy : null,
      testLoss: test ? finiteOrNull(test.loss) : null,
      testCount: test ? test.count : 0,
      testIndependent: !isLeakySplit(fc.split),
      perClassAccuracy: test ? test.perClassAccuracy.map((x) => finiteOrNull(x)) : null,
      confusion: test ? test.confusion.map((row) => row.slice()) : null,
      params: result.params,
      seconds: (now() - t0) / 1000,
      imagesPerSecond: result.imagesPerSecond,
    };
    emit({ type: 'final-done', outcome: 'done', result: final });
    return { outcome: 'done', result: final, weights };
  } catch (e) {
    const reason = `testing the trained network failed: ${e instanceof Error ? e.message : String(e)}`;
    emit({ type: 'final-done', outcome: 'failed', result: null, reason });
    return { outcome: 'failed', result: null, weights: null, reason };
  } finally {
    model.dispose();
  }
}
