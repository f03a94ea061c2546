/** Run slice: the live state of the GA run, fed by worker events. */
import type { StateCreator } from 'zustand';
import type { DatasetSlice } from './dataset';
import type { HistorySlice } from './history';
import { chromosomeKey } from '../ga/chromosome';
import type {
  BackendChoice,
  Chromosome,
  Evaluation,
  FinalConfig,
  FinalResult,
  IndividualRecord,
  IndividualRef,
  ModelSource,
  PhaseSummary,
  RunConfig,
  RunEvent,
  TrainProgress,
} from '../worker/api';

export type RunStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'done' | 'stopped' | 'error';

export interface CurrentCandidate {
  readonly phase: number;
  readonly index: number;
  readonly chromosome: Chromosome;
  readonly params: number;
  readonly progress: TrainProgress | null;
  /** Epochs this training reaches; with successive halving, its rung (0 = the first) of `rungCount`. */
  readonly epochs: number | null;
  readonly rung: number | null;
  readonly rungCount: number | null;
}

/** One point of the current candidate's training curves; validation values only at epoch ends. */
export interface CurvePoint {
  /** Epochs done, fractional within an epoch. */
  readonly x: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
}

/** Where Train best longer stands: asked for, training, stopping, or how it ended. */
export type FinalStatus = 'idle' | 'starting' | 'training' | 'stopping' | 'done' | 'stopped' | 'failed';

/** One finished epoch of the final training, as its table shows it. */
export interface FinalEpochRow {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss: number | null;
  readonly valAccuracy: number;
}

/** The final training of the run's best chromosome (Train best longer) and its last finished result. */
export interface FinalState {
  readonly status: FinalStatus;
  readonly config: FinalConfig | null;
  readonly params: number;
  readonly progress: TrainProgress | null;
  readonly epochs: readonly FinalEpochRow[];
  /** The result of the last final training that finished (kept while a new one trains or after one is stopped). */
  readonly result: FinalResult | null;
  readonly error: string | null;
}

const NO_FINAL: FinalState = {
  status: 'idle',
  config: null,
  params: 0,
  progress: null,
  epochs: [],
  result: null,
  error: null,
};

export interface RunSlice {
  status: RunStatus;
  backend: BackendChoice | null;
  backendError: string | null;
  phases: number;
  populationSize: number;
  /** Every individual's latest record (with successive halving, a later rung's replaces the earlier one), in evaluation order. */
  individuals: IndividualRecord[];
  /** Successive halving: the rung epochs of each phase so far, by phase. */
  rungEpochs: Record<number, readonly number[]>;
  phaseSummaries: PhaseSummary[];
  current: CurrentCandidate | null;
  best: IndividualRecord | null;
  /** The test scores of the model the downloads hand out; `chosen` is the front member a person picked with Use this model. */
  test: { chromosome: Chromosome; evaluation: Evaluation; chosen?: IndividualRef } | null;
  /** Multi-objective runs: the Pareto front so far (places of individuals), best accuracy first; empty otherwise. */
  front: IndividualRef[];
  runError: string | null;
  startedAt: number | null;
  /** True between Pause and Resume: the worker waits between batches. */
  paused: boolean;
  /** The settings the current or last run started with. */
  runConfig: RunConfig | null;
  /** Training curves of the candidate in training (or the last one trained). */
  curve: CurvePoint[];
  final: FinalState;
  /** The network Download model and Try the model use (the worker holds it); null when there is none to hand out. */
  modelSource: ModelSource | null;
  finalRequested: () => void;
  finalStopRequested: () => void;
  finalFailed: (message: string) => void;
  modelAvailable: (source: ModelSource | null) => void;
  pauseRequested: () => void;
  resumeRequested: () => void;
  backendReady: (choice: BackendChoice) => void;
  backendFailed: (message: string) => void;
  runRequested: () => void;
  stopRequested: () => void;
  runEvent: (event: RunEvent) => void;
  runFailed: (message: string) => void;
  /** Why the training worker last died (it was replaced by a fresh one), or null. */
  workerCrash: string | null;
  /** The worker died of `reason`: a run in progress failed with `message`, and the backend and data it held are gone. */
  workerCrashed: (reason: string, message: string) => void;
}

/** True when `a` may be the best (successful; with halving, trained the full epochs) and beats `b`. */
function better(a: IndividualRecord, b: IndividualRecord | null): boolean {
  return a.fitness !== null && a.partial !== true && (b === null || b.fitness === null || a.fitness > b.fitness);
}

/** What the dataset panel says when the worker that held the data died. */
const DATA_LOST =
  'The training worker crashed and the data it held went with it: load it again (resuming a saved run reloads its own data).';

// Typed over the history's `viewing` too: a new run (or a replay) replaces the saved run on view; over the dataset's
// fields, which a crashed worker takes with it.
export const createRunSlice: StateCreator<
  RunSlice &
    Pick<HistorySlice, 'viewing'> &
    Pick<DatasetSlice, 'dataset' | 'datasetBusy' | 'datasetError' | 'fileLoad'>,
  [],
  [],
  RunSlice
> = (set) => ({
  status: 'idle',
  backend: null,
  backendError: null,
  phases: 0,
  populationSize: 0,
  individuals: [],
  rungEpochs: {},
  phaseSummaries: [],
  current: null,
  best: null,
  test: null,
  front: [],
  runError: null,
  startedAt: null,
  paused: false,
  runConfig: null,
  curve: [],
  final: NO_FINAL,
  modelSource: null,
  finalRequested: () =>
    set((s) => ({ final: { ...s.final, status: 'starting', error: null, progress: null, epochs: [] } })),
  finalStopRequested: () =>
    set((s) =>
      s.final.status === 'training' || s.final.status === 'starting'
        ? { final: { ...s.final, status: 'stopping' } }
        : {},
    ),
  finalFailed: (message) => set((s) => ({ final: { ...s.final, status: 'failed', error: message, progress: null } })),
  modelAvailable: (source) => set({ modelSource: source }),
  pauseRequested: () => set((s) => (s.status === 'running' ? { paused: true } : {})),
  resumeRequested: () => set({ paused: false }),
  backendReady: (choice) => set({ backend: choice, backendError: null }),
  backendFailed: (message) => set({ backendError: message }),
  runRequested: () =>
    set({
      status: 'starting',
      individuals: [],
      rungEpochs: {},
      phaseSummaries: [],
      current: null,
      best: null,
      test: null,
      front: [],
      runError: null,
      startedAt: Date.now(),
      paused: false,
      runConfig: null,
      curve: [],
      viewing: null,
      final: NO_FINAL,
      modelSource: null,
    }),
  stopRequested: () => set((s) => (s.status === 'running' || s.status === 'starting' ? { status: 'stopping' } : {})),
  runFailed: (message) => set({ status: 'error', runError: message, current: null, paused: false }),
  runEvent: (event) => set((s) => applyEvent(s, event)),
  workerCrash: null,
  workerCrashed: (reason, message) =>
    set((s) => ({
      workerCrash: reason,
      backend: null,
      ...(s.status === 'running' || s.status === 'starting' || s.status === 'stopping'
        ? { status: 'error' as const, runError: message, current: null, paused: false }
        : {}),
      ...(s.dataset !== null || s.datasetBusy
        ? { dataset: null, datasetBusy: false, fileLoad: null, datasetError: DATA_LOST }
        : {}),
    })),
});

/** The highest-fitness record of this chromosome (the earliest on ties), as the run log picks it. */
function recordOf(records: IndividualRecord[], c: Chromosome): IndividualRecord | null {
  const key = chromosomeKey(c);
  let found: IndividualRecord | null = null;
  for (const r of records) {
    if (
      r.fitness !== null &&
      r.partial !== true &&
      chromosomeKey(r.chromosome) === key &&
      (found === null || r.fitness > (found.fitness ?? -1))
    )
      found = r;
  }
  return found;
}

function applyEvent(s: RunSlice, event: RunEvent): Partial<RunSlice> {
  switch (event.type) {
    case 'run-started':
      return {
        status: s.status === 'stopping' ? 'stopping' : 'running',
        phases: event.phases,
        populationSize: event.config.populationSize,
        backend: event.backend,
        runConfig: event.config,
      };
    case 'candidate-started':
      return {
        current: {
          phase: event.phase,
          index: event.index,
          chromosome: event.chromosome,
          params: event.params,
          progress: null,
          epochs: event.epochs ?? null,
          rung: event.rung ?? null,
          rungCount: event.rungCount ?? null,
        },
        curve: [],
      };
    case 'rung-started':
      return { rungEpochs: { ...s.rungEpochs, [event.phase]: event.rungEpochs } };
    case 'progress': {
      if (!s.current || s.current.phase !== event.phase || s.current.index !== event.index) return {};
      const p = event.progress;
      const point: CurvePoint = {
        x: p.epoch - 1 + p.batch / Math.max(p.batches, 1),
        loss: p.loss,
        accuracy: p.accuracy,
        ...(p.valLoss === undefined ? {} : { valLoss: p.valLoss }),
        ...(p.valAccuracy === undefined ? {} : { valAccuracy: p.valAccuracy }),
      };
      return { current: { ...s.current, progress: p }, curve: [...s.curve, point] };
    }
    case 'evaluated': {
      const { type: _type, ...record } = event;
      // A later rung's record of an individual replaces its earlier one.
      const at = s.individuals.findIndex((r) => r.phase === record.phase && r.index === record.index);
      const individuals = at < 0 ? [...s.individuals, record] : s.individuals.map((r, i) => (i === at ? record : r));
      return { individuals, best: better(record, s.best) ? record : s.best };
    }
    case 'front':
      return { front: event.members };
    case 'phase-done': {
      const { type: _type, ...summary } = event;
      return { phaseSummaries: [...s.phaseSummaries, summary], ...(event.front ? { front: event.front } : {}) };
    }
    case 'test-result': {
      // The tested model is the one the downloads and "Try the model" use; on tied fitness the panels name it too.
      const chosen = event.chosen
        ? s.individuals.find((r) => r.phase === event.chosen?.phase && r.index === event.chosen.index)
        : undefined;
      return {
        test: {
          chromosome: event.chromosome,
          evaluation: event.evaluation,
          ...(event.chosen ? { chosen: event.chosen } : {}),
        },
        best: chosen ?? recordOf(s.individuals, event.chromosome) ?? s.best,
        ...(event.chosen ? { modelSource: 'search' as const } : {}),
      };
    }
    case 'run-done': {
      const best = s.test ? s.best : (event.best ?? s.best);
      return {
        status: event.outcome === 'done' ? 'done' : 'stopped',
        current: null,
        best,
        paused: false,
        modelSource: best ? 'search' : null,
      };
    }
    case 'final-started':
      return {
        final: {
          ...s.final,
          status: s.final.status === 'stopping' ? 'stopping' : 'training',
          config: event.config,
          params: event.params,
          progress: null,
          epochs: [],
          error: null,
        },
      };
    case 'final-progress': {
      const p = event.progress;
      const row: FinalEpochRow[] =
        p.kind === 'epoch'
          ? [
              {
                epoch: p.epoch,
                loss: p.loss,
                accuracy: p.accuracy,
                valLoss: p.valLoss ?? null,
                valAccuracy: p.valAccuracy ?? 0,
              },
            ]
          : [];
      return { final: { ...s.final, progress: p, epochs: [...s.final.epochs, ...row] } };
    }
    case 'final-done':
      if (event.outcome === 'done' && event.result) {
        const r = event.result;
        const epochs = r.epochs.map(({ seconds: _s, ...row }) => row);
        return {
          final: {
            ...s.final,
            status: 'done',
            config: r.config,
            params: r.params,
            result: r,
            epochs,
            progress: null,
            error: null,
          },
          modelSource: 'final',
        };
      }
      return {
        final: {
          ...s.final,
          status: event.outcome === 'stopped' ? 'stopped' : 'failed',
          progress: null,
          error: event.outcome === 'failed' ? (event.reason ?? 'the training failed') : null,
        },
      };
  }
}
