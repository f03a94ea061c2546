/** The GA engine's plain-data types: individuals, events, the injected fitness and cost functions, and the engine state. */
import type { Chromosome } from './chromosome';
import type { GaConfig } from './config';
import type { RngState } from './rng';

/** How an individual's fitness was obtained; 'skipped' means the person skipped its training (no fitness). */
export type EvalStatus = 'trained' | 'cached' | 'failed' | 'skipped' | 'over-budget';
/** An individual's status; 'pending' means its genes changed and it still awaits evaluation. */
export type IndividualStatus = EvalStatus | 'pending';

/** JSON-safe extra data a fitness function returns next to the fitness (e.g. test accuracy, epochs). */
export type Details = Readonly<Record<string, unknown>>;

/** One individual of one phase: plain JSON, treat as read-only. */
export interface Individual {
  readonly phase: number;
  readonly index: number;
  readonly chromosome: Chromosome;
  readonly status: IndividualStatus;
  /** Null unless status is 'trained' or 'cached'; selection ranks null as 0. */
  readonly fitness: number | null;
  readonly reason?: string;
  /** Seconds spent on it in this phase (0 when cached, carried over or over budget). */
  readonly seconds: number;
  readonly params: number | null;
  readonly flops: number | null;
  readonly details?: Details;
}

/** A cached training result, keyed by trainingKey and chromosome. */
export interface CacheEntry {
  readonly fitness: number;
  readonly seconds: number;
  readonly params: number | null;
  readonly flops: number | null;
  readonly details?: Details;
}

/** Statistics of one finished phase, over its successful individuals. */
export interface PhaseStats {
  readonly phase: number;
  readonly best: number | null;
  readonly mean: number | null;
  readonly min: number | null;
  /** Every individual's fitness in index order; null for failed, skipped and over-budget ones. */
  readonly fitnesses: (number | null)[];
  readonly bestIndividual: Individual | null;
  /** Seconds spent in this phase's evaluations. */
  readonly seconds: number;
  readonly counts: Readonly<Record<EvalStatus, number>>;
}

/** What the engine reports, in order. */
export type EngineEvent =
  | { readonly type: 'run-started'; readonly config: GaConfig; readonly resumed: boolean; readonly phase: number; readonly index: number; readonly phases: number }
  | ({ readonly type: 'evaluated' } & Individual)
  | ({ readonly type: 'phase-done' } & PhaseStats)
  | { readonly type: 'run-stopped'; readonly phase: number; readonly index: number }
  | { readonly type: 'run-done'; readonly best: Individual | null; readonly hallOfFame: Individual[]; readonly fitnessCalls: number };

/** Successful fitness: `fitness` plus any JSON-safe extras (kept as the individual's details). */
export interface FitnessSuccess {
  readonly fitness: number;
  readonly [extra: string]: unknown;
}
/** What a fitness function may return: a fitness, a failure with its reason, or "skipped by the person running it". */
export type FitnessResult = FitnessSuccess | { readonly status: 'failed'; readonly reason?: string } | { readonly status: 'skipped' };

/** Anything with an `aborted` flag, e.g. an AbortSignal. */
export interface StopSignal {
  readonly aborted: boolean;
}

/** Where an evaluation happens; `signal` is the run's stop signal, for cancelling a long training. */
export interface FitnessContext {
  readonly phase: number;
  readonly index: number;
  readonly signal?: StopSignal;
}

/** The injected fitness: higher is better (e.g. validation accuracy). May throw; the individual is then failed. */
export type FitnessFn = (chromosome: Chromosome, ctx: FitnessContext) => Promise<FitnessResult>;
/** The injected cost model used by the budget. */
export type CostFn = (chromosome: Chromosome) => { readonly params: number; readonly flops: number };

/** What `run` needs from its caller; only `fitness` is required. */
export interface RunOptions {
  readonly fitness: FitnessFn;
  /** Required when the config sets maxParams or maxFlops. */
  readonly cost?: CostFn;
  readonly onEvent?: (event: EngineEvent) => void;
  /** Called with a JSON-safe state after every individual and every phase change; awaited. */
  readonly onCheckpoint?: (state: EngineState) => void | Promise<void>;
  /** Checked before each individual; true stops the run cleanly (resume later with `run` or `restore`). */
  readonly shouldStop?: () => boolean;
  /** Checked like shouldStop and passed to the fitness function. */
  readonly signal?: StopSignal;
  /** Milliseconds clock for `seconds`; default Date.now. */
  readonly now?: () => number;
}

/** The whole engine as plain JSON: restoring it continues exactly where it was. */
export interface EngineState {
  readonly version: 1;
  readonly config: GaConfig;
  readonly rng: RngState;
  /** False until the initial population is drawn (that needs the cost function, given to `run`). */
  readonly initialised: boolean;
  /** Current phase: 0 is the initial population, `generations` is the last. */
  readonly phase: number;
  /** Index of the next individual of this phase to evaluate; population.length means the phase awaits its summary. */
  readonly cursor: number;
  readonly population: readonly Individual[];
  readonly hallOfFame: readonly Individual[];
  /** Successful trainings by key `${trainingKey}|${chromosomeKey}`, in insertion order. */
  readonly cache: readonly (readonly [string, CacheEntry])[];
  readonly history: readonly PhaseStats[];
  /** Completed calls of the fitness function. */
  readonly fitnessCalls: number;
  readonly finished: boolean;
}
