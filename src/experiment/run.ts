/** One evolution run (in the worker or the CLI): the GA engine with fitness supplied by training on the chosen backend. */
import {
  chromosomeKey,
  GaEngine,
  type Chromosome,
  type EngineEvent,
  type EngineState,
  type EvaluationPlan,
  type FitnessContext,
  type FitnessResult,
  type Individual,
} from '../ga';
import type { Dataset, Splits } from '../data/dataset';
import type { BackendChoice } from '../ml/backend';
import { backendCrash, memoryStats, recreateBackend, type BackendCrashedError } from '../ml/backend';
import { evaluate } from '../ml/evaluate';
import { buildModel, networkCost } from '../ml/model';
import {
  restoreWeights,
  snapshotWeights,
  trainCandidate,
  type TrainInput,
  type TrainOptions,
  type TrainProgress,
  type TrainState,
  type WeightSnapshot,
} from '../ml/train';
import { measureLatency } from '../ml/latency';
import type { Evaluation } from '../ml/evaluate';
import type { NetworkSettings } from '../ml/model';
import { gaConfig, isMultiObjectiveRun, trainingSettings, type TrainingSettings } from '../settings';
import type { RunController } from './control';
import type { CandidateStatus, IndividualRecord, IndividualRef, ObjectiveValues, RunConfig, RunEvent } from './types';

/** The trained network with the best validation accuracy so far, as plain data (survives backends, can be saved). */
export interface BestModel {
  readonly chromosome: Chromosome;
  readonly fitness: number;
  readonly weights: WeightSnapshot;
}

/** A training kept to be continued at a later rung of its phase (successive halving). */
export interface Continuation {
  readonly phase: number;
  readonly index: number;
  readonly state: TrainState;
}

/** A member of a multi-objective run's Pareto front with its weights, which are kept only while it is on the front. */
export interface FrontModel extends BestModel {
  readonly phase: number;
  readonly index: number;
}

/**
 * What a run can be resumed from: the engine state, the best weights and (with halving) the trainings of the phase
 * that may still be promoted, all at the same moment. A state object is the same object from one checkpoint to the
 * next until its candidate trains again, so a writer can save only the new ones. A multi-objective run also keeps the
 * weights of every front member (its best is the front member with the highest accuracy).
 */
export interface RunCheckpoint {
  readonly engine: EngineState;
  readonly best: BestModel | null;
  readonly continuations?: readonly Continuation[];
  readonly front?: readonly FrontModel[];
}

/**
 * Trains one candidate of the run (`at` is its place): `trainCandidate` on this machine, or a trainer that gets the same
 * result elsewhere (the queue coordinator, from a worker) or simulates faults (tests).
 */
export type CandidateTrainer = (
  input: TrainInput,
  opts: TrainOptions,
  at: FitnessContext,
) => ReturnType<typeof trainCandidate>;

export interface RunInput {
  readonly config: RunConfig;
  readonly data: Dataset;
  readonly splits: Splits;
  readonly backend: BackendChoice;
  /** Stop, pause, resume and skip of this run; the trainer reads it after every batch. */
  readonly control: RunController;
  readonly emit: (event: RunEvent) => void;
  /** Continue a run from this checkpoint instead of starting afresh. */
  readonly resume?: RunCheckpoint;
  /** Called after every evaluated individual and phase change; awaited, so it may save to disk or IndexedDB. */
  readonly onCheckpoint?: (checkpoint: RunCheckpoint) => void | Promise<void>;
  /** The trainer; injectable so that tests can simulate out-of-memory or device loss, and the queue can train elsewhere. */
  readonly train?: CandidateTrainer;
  /** Told each pass's coming trainings (a phase, or a rung with halving) before they are asked for (the engine's onPlan), e.g. to enqueue them elsewhere. */
  readonly onPlan?: (plan: EvaluationPlan) => void;
}

/** How a run ended, with the best model for export (and, in a multi-objective run, every front member's). */
export interface RunResult {
  readonly outcome: 'done' | 'stopped';
  readonly best: BestModel | null;
  /** Multi-objective runs: the Pareto front, best accuracy first, with weights; empty otherwise. */
  readonly front: readonly FrontModel[];
}

/** The key of an individual's place, for maps of front members. */
export const refKey = (r: IndividualRef): string => `${r.phase}:${r.index}`;

/** Scores a kept model on a split (the test split, which the GA never saw): builds, loads, evaluates, disposes. */
export async function evaluateModel(
  best: BestModel,
  network: NetworkSettings,
  data: Dataset,
  rows: Int32Array,
): Promise<Evaluation> {
  const model = buildModel(best.chromosome, network);
  try {
    restoreWeights(model, best.weights);
    return await evaluate(model, data, rows);
  } finally {
    model.dispose();
  }
}

/** Progress events are sent at most this often, so the page is never flooded. */
export const PROGRESS_INTERVAL_MS = 100;

/**
 * A 32-bit seed per chromosome: the same chromosome trains the same way wherever it appears in the run, and its final
 * training (src/experiment/final.ts) starts from the same initial weights.
 */
export function candidateSeed(runSeed: number, c: Chromosome): number {
  let h = 0x811c9dc5 ^ runSeed;
  for (const ch of chromosomeKey(c)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** The complete objective values of a trained or cached individual, as the fitness reported them. */
function objectivesOf(ind: Individual): ObjectiveValues | undefined {
  const o = ind.objectives;
  if (!o || (ind.status !== 'trained' && ind.status !== 'cached')) return undefined;
  const { accuracy, params, flops, latencyMs } = o;
  return [accuracy, params, flops, latencyMs].every((v) => typeof v === 'number')
    ? ({ accuracy, params, flops, latencyMs } as ObjectiveValues)
    : undefined;
}

function toRecord(ind: Individual): IndividualRecord {
  const status: CandidateStatus = ind.status === 'pending' ? 'failed' : ind.status;
  const objectives = objectivesOf(ind);
  return {
    phase: ind.phase,
    index: ind.index,
    chromosome: ind.chromosome,
    fitness: ind.fitness,
    status,
    ...(ind.reason === undefined ? {} : { reason: ind.reason }),
    seconds: ind.seconds,
    params: ind.params ?? 0,
    ...(ind.flops === null ? {} : { flops: ind.flops }),
    epochsTrained: ind.epochsTrained ?? 0,
    ...(ind.rung === undefined ? {} : { rung: ind.rung }),
    ...(ind.rungs === undefined
      ? {}
      : { rungs: ind.rungs.map((r) => ({ epochs: r.epochs, fitness: r.fitness, seconds: r.seconds })) }),
    ...(ind.partial ? { partial: true as const } : {}),
    ...(objectives ? { objectives } : {}),
  };
}

/**
 * The training settings that decide a result, as the GA's cache key: the time budget is left out, because a result
 * that finished within one budget is the same under another (over-budget results are never cached).
 */
function resultSettings(settings: TrainingSettings): Omit<TrainingSettings, 'maxSeconds'> {
  const { maxSeconds: _m, ...rest } = settings;
  return rest;
}

const continuationKey = (phase: number, index: number): string => `${phase}:${index}`;

/**
 * Runs the GA to its end or until stopped, emitting every step; the best model is then scored on the test split.
 * Rejects with a BackendCrashedError when the backend crashes: the candidate in training is neither recorded nor
 * checkpointed, so the last checkpoint resumes the run (in a fresh worker or process) as if never interrupted.
 */
export async function runEvolution(input: RunInput): Promise<RunResult> {
  const { config, data, splits, backend, control, emit } = input;
  const train: CandidateTrainer = input.train ?? trainCandidate;
  const settings = trainingSettings(config);
  const trainingKey = JSON.stringify({
    settings: resultSettings(settings),
    data: data.name,
    count: data.count,
    perClass: config.perClass,
    train: splits.train.length,
    val: splits.val.length,
  });
  const engine = input.resume ? GaEngine.restore(input.resume.engine) : GaEngine.create(gaConfig(config, trainingKey));
  let best: BestModel | null = input.resume?.best ?? null;
  let crashed: BackendCrashedError | null = null;
  // Successive halving: trainings that a later rung of their phase may continue (the engine says when to drop them).
  const continuations = new Map<string, Continuation>(
    (input.resume?.continuations ?? []).map((c) => [continuationKey(c.phase, c.index), c]),
  );
  const multi = isMultiObjectiveRun(config);
  /** Multi-objective runs: weights of the front members (and of the candidate just trained, until the front is known). */
  const frontModels = new Map<string, FrontModel>((input.resume?.front ?? []).map((m) => [refKey(m), m] as const));
  let frontOrder: string[] = (input.resume?.front ?? []).map(refKey);
  const frontList = (): FrontModel[] => frontOrder.flatMap((k) => frontModels.get(k) ?? []);

  const fitness = async (chromosome: Chromosome, ctx: FitnessContext): Promise<FitnessResult> => {
    const cost = networkCost(chromosome, config.network);
    const epochs = ctx.epochs ?? settings.epochs;
    const key = continuationKey(ctx.phase, ctx.index);
    // A rung continues the training its candidate reached at the rung below; without that state (its result came from
    // the cache) it trains from scratch, which gives the same weights.
    const resume = continuations.get(key)?.state;
    // In training from here on: a Skip that arrives now is for this candidate.
    control.beginCandidate(ctx);
    emit({
      type: 'candidate-started',
      phase: ctx.phase,
      index: ctx.index,
      chromosome,
      params: cost.params,
      memory: memoryStats(),
      epochs,
      ...(ctx.rung === undefined ? {} : { rung: ctx.rung, rungCount: ctx.rungCount ?? 1 }),
    });
    let lastSent = 0;
    const onProgress = (progress: TrainProgress): void => {
      const t = performance.now();
      if (progress.kind === 'epoch' || t - lastSent >= PROGRESS_INTERVAL_MS) {
        lastSent = t;
        emit({ type: 'progress', phase: ctx.phase, index: ctx.index, progress });
      }
    };
    let trained: Awaited<ReturnType<typeof trainCandidate>>;
    try {
      trained = await train(
        {
          chromosome,
          data,
          train: splits.train,
          val: splits.val,
          settings: { ...settings, epochs },
          seed: candidateSeed(config.seed, chromosome),
          ...(resume ? { resume } : {}),
        },
        { onProgress, control, keepState: ctx.keep === true },
        ctx,
      );
    } catch (e) {
      // The engine drops an evaluation that fails after a stop request: the crash leaves no record and no checkpoint.
      crashed = backendCrash(e);
      if (crashed) control.request({ type: 'stop' });
      throw e;
    } finally {
      // Its training is over: a Skip from now on has nothing to act on (and must not reach the next candidate).
      control.endCandidate();
    }
    const { result, model, state } = trained;
    // A cancelled training is redone on resume from the state it started with; any other end replaces that state.
    if (result.status !== 'cancelled') {
      if (state) continuations.set(key, { phase: ctx.phase, index: ctx.index, state });
      else continuations.delete(key);
    }
    // Only a training of the full epochs (or one that early stopping ended) may be the run's best.
    const complete = epochs >= settings.epochs || result.stoppedEarly;
    let latencyMs = NaN;
    if (model) {
      try {
        if (result.status === 'trained') {
          latencyMs = await measureLatency(model);
          if (multi) {
            // Kept until the engine's next front says whether this candidate is on it.
            frontModels.set(refKey(ctx), {
              phase: ctx.phase,
              index: ctx.index,
              fitness: result.valAccuracy,
              chromosome,
              weights: await snapshotWeights(model),
            });
          } else if (complete && (best === null || result.valAccuracy > best.fitness)) {
            best = { fitness: result.valAccuracy, chromosome, weights: await snapshotWeights(model) };
          }
        }
      } finally {
        model.dispose();
      }
    }
    if (result.status === 'failed') {
      // Out-of-memory or a lost device can leave the backend unusable: start the next candidate on a fresh one.
      await recreateBackend().catch(() => undefined);
    }
    switch (result.status) {
      case 'trained':
        return {
          fitness: result.valAccuracy,
          epochsTrained: result.epochsRun,
          ...(result.stoppedEarly ? { final: true } : {}),
          objectives: { accuracy: result.valAccuracy, params: cost.params, flops: cost.flops, latencyMs },
          valLoss: result.valLoss,
          imagesPerSecond: result.imagesPerSecond,
        };
      case 'cancelled':
        // The engine drops an evaluation that fails after a stop request; a resumed run retrains it.
        throw new Error('stopped by user');
      case 'skipped':
        return { status: 'skipped', epochsTrained: result.epochsRun };
      case 'over-budget':
        return { status: 'over-budget', reason: result.reason ?? 'over budget', epochsTrained: result.epochsRun };
      case 'diverged':
        return { status: 'failed' as const, reason: `diverged: ${result.reason ?? ''}` };
      case 'failed':
        return { status: 'failed' as const, reason: result.reason ?? 'training failed' };
    }
  };

  const onEngineEvent = (e: EngineEvent): void => {
    switch (e.type) {
      case 'run-started':
        emit({ type: 'run-started', config, phases: e.phases, backend });
        break;
      case 'evaluated':
        emit({ type: 'evaluated', ...toRecord(e), memory: memoryStats() });
        break;
      case 'rung-started':
        emit({
          type: 'rung-started',
          phase: e.phase,
          rung: e.rung,
          rungEpochs: [...e.rungEpochs],
          indices: [...e.indices],
        });
        break;
      case 'front': {
        // Weights are kept only while their network is on the front; the best is the front's most accurate member.
        frontOrder = e.members.map(refKey);
        const keep = new Set(frontOrder);
        for (const k of [...frontModels.keys()]) if (!keep.has(k)) frontModels.delete(k);
        best = frontList()[0] ?? null;
        emit({ type: 'front', phase: e.phase, members: e.members });
        break;
      }
      case 'phase-done':
        emit({
          type: 'phase-done',
          phase: e.phase,
          best: e.best,
          mean: e.mean,
          min: e.min,
          fitnesses: e.fitnesses,
          seconds: e.seconds,
          ...(e.rungEpochs === undefined ? {} : { rungEpochs: [...e.rungEpochs] }),
          ...(e.front ? { front: e.front } : {}),
        });
        break;
      case 'run-stopped':
      case 'run-done':
        break;
    }
  };

  const onCheckpoint = input.onCheckpoint;
  const outcome = await engine.run({
    fitness: async (chromosome, ctx) => {
      // WebGPU pools freed buffers by exact size until its backend goes: each candidate starts on a fresh one.
      await recreateBackend();
      return fitness(chromosome, ctx);
    },
    cost: (c) => networkCost(c, config.network),
    onEvent: onEngineEvent,
    ...(onCheckpoint
      ? {
          onCheckpoint: (engineState: EngineState) =>
            onCheckpoint({
              engine: engineState,
              best,
              ...(continuations.size > 0 ? { continuations: [...continuations.values()] } : {}),
              ...(multi ? { front: frontList() } : {}),
            }),
        }
      : {}),
    onRelease: (phase, indices) => {
      for (const i of indices) continuations.delete(continuationKey(phase, i));
    },
    // States of an earlier phase are never continued (the engine released them; a resumed run may still hold some).
    onPlan: (plan) => {
      for (const [k, c] of continuations) if (c.phase !== plan.phase) continuations.delete(k);
      input.onPlan?.(plan);
    },
    shouldStop: () => control.stopRequested,
  });
  // Set inside the fitness callback, which the compiler's narrowing does not see.
  const crash = crashed as BackendCrashedError | null;
  if (crash) throw crash;
  // A multi-objective run's best is its front's most accurate member (on tied accuracy the cheaper one, which dominates).
  const winner = multi ? engine.front()[0] : engine.best();
  const bestModel = best as BestModel | null;
  if (outcome === 'done' && bestModel && splits.test.length > 0) {
    try {
      emit({
        type: 'test-result',
        chromosome: bestModel.chromosome,
        evaluation: await evaluateModel(bestModel, config.network, data, splits.test),
      });
    } catch (e) {
      throw backendCrash(e) ?? e;
    }
  }
  emit({ type: 'run-done', outcome, best: winner ? toRecord(winner) : null });
  return { outcome, best: bestModel, front: multi ? frontList() : [] };
}
