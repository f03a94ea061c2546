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

/** Objective values by name, as the fitness function measured them (e.g. accuracy, params, latencyMs). */
export type ObjectiveRecord = Readonly<Record<string, number>>;

/** One individual of one phase: plain JSON, treat as read-only. `C` is the genome's type (the paper's chromosome). */
export interface Individual<C = Chromosome> {
  readonly phase: number;
  readonly index: number;
  readonly chromosome: C;
  readonly status: IndividualStatus;
  /** Null unless status is 'trained' or 'cached'; selection ranks null as 0. */
  readonly fitness: number | null;
  readonly reason?: string;
  /** Seconds spent on it in this phase (0 when cached, carried over or over budget). */
  readonly seconds: number;
  readonly params: number | null;
  readonly flops: number | null;
  /** What the fitness function measured besides the fitness; the NSGA-II engine ranks by the configured ones. */
  readonly objectives?: ObjectiveRecord;
  readonly details?: Details;
  /** Epochs its network was trained, when the fitness function said (`epochsTrained` in its result). */
  readonly epochsTrained?: number;
  /** Successive halving: the rung (0 = the first) of its latest result in this phase. */
  readonly rung?: number;
  /** Successive halving: its result at each rung it reached in this phase, lowest first. */
  readonly rungs?: readonly RungResult[];
  /** Successive halving: trained to a lower rung only; its fitness ranks it for selection, but it is never the best. */
  readonly partial?: true;
}

/** One rung of an individual: the epochs it was trained to, its fitness there (null if it failed) and the seconds it took. */
export interface RungResult {
  readonly epochs: number;
  readonly fitness: number | null;
  readonly seconds: number;
}

/** Where an individual was evaluated: its phase and its index in that phase. */
export interface IndividualRef {
  readonly phase: number;
  readonly index: number;
}

/** A cached training result, keyed by trainingKey and chromosome (and the epochs, for a partial training). */
export interface CacheEntry {
  readonly fitness: number;
  readonly seconds: number;
  readonly params: number | null;
  readonly flops: number | null;
  readonly objectives?: ObjectiveRecord;
  readonly details?: Details;
  readonly epochsTrained?: number;
  /** A training stopped at a lower rung: valid only for a call asking for exactly its epochs. */
  readonly partial?: true;
}

/**
 * Statistics of one finished phase. `best` and `bestIndividual` are over the individuals that may be the run's best
 * (successful and, with halving, trained the full epochs); `mean`, `min` and `fitnesses` over every successful one.
 */
export interface PhaseStats<C = Chromosome> {
  readonly phase: number;
  readonly best: number | null;
  readonly mean: number | null;
  readonly min: number | null;
  /** Every individual's fitness in index order; null for failed, skipped and over-budget ones. */
  readonly fitnesses: (number | null)[];
  readonly bestIndividual: Individual<C> | null;
  /** Successive halving: the epochs of each rung of this phase, lowest first. */
  readonly rungEpochs?: readonly number[];
  /** Seconds spent in this phase's evaluations. */
  readonly seconds: number;
  readonly counts: Readonly<Record<EvalStatus, number>>;
  /** Multi-objective runs: the Pareto front of every individual evaluated so far, best first by the first objective. */
  readonly front?: IndividualRef[];
}

/** What the engine reports, in order. */
export type EngineEvent<C = Chromosome> =
  | {
      readonly type: 'run-started';
      readonly config: GaConfig;
      readonly resumed: boolean;
      readonly phase: number;
      readonly index: number;
      readonly phases: number;
    }
  | ({ readonly type: 'evaluated' } & Individual<C>)
  | {
      readonly type: 'rung-started';
      readonly phase: number;
      readonly rung: number;
      readonly rungEpochs: readonly number[];
      readonly indices: readonly number[];
    }
  /** Multi-objective runs, after every 'evaluated': the Pareto front of everything evaluated so far, best first. */
  | { readonly type: 'front'; readonly phase: number; readonly index: number; readonly members: IndividualRef[] }
  | ({ readonly type: 'phase-done' } & PhaseStats<C>)
  | { readonly type: 'run-stopped'; readonly phase: number; readonly index: number }
  | {
      readonly type: 'run-done';
      readonly best: Individual<C> | null;
      readonly hallOfFame: Individual<C>[];
      readonly fitnessCalls: number;
    };

/**
 * Successful fitness: `fitness`, optionally `objectives` (numbers by name; a multi-objective config needs its own), plus
 * any JSON-safe extras (kept as the individual's details), except two the engine reads: `epochsTrained` (the network's
 * epochs in total) and `final` (its training ended before the epochs asked for, by early stopping, so more epochs would
 * change nothing: with halving it then counts as trained the full epochs).
 */
export interface FitnessSuccess {
  readonly fitness: number;
  readonly objectives?: ObjectiveRecord;
  readonly epochsTrained?: number;
  readonly final?: boolean;
  readonly [extra: string]: unknown;
}
/**
 * What a fitness function may return: a fitness, a failure with its reason, "skipped by the person running it", or
 * "over budget" (e.g. it ran past a time budget; recorded with the seconds it took, never cached).
 */
export type FitnessResult =
  | FitnessSuccess
  | { readonly status: 'failed'; readonly reason?: string; readonly epochsTrained?: number }
  | { readonly status: 'skipped'; readonly epochsTrained?: number }
  | { readonly status: 'over-budget'; readonly reason?: string; readonly epochsTrained?: number };

/** Anything with an `aborted` flag, e.g. an AbortSignal. */
export interface StopSignal {
  readonly aborted: boolean;
}

/** Where an evaluation happens; `signal` is the run's stop signal, for cancelling a long training. */
export interface FitnessContext {
  readonly phase: number;
  readonly index: number;
  readonly signal?: StopSignal;
  /** Epochs the network must have been trained in total when the call returns (set when the config has `epochs`). */
  readonly epochs?: number;
  /** Successive halving: this call's rung (0 = the first) and the number of rungs of the phase. */
  readonly rung?: number;
  readonly rungCount?: number;
  /**
   * Successive halving: the engine may ask for more epochs of this candidate later in the phase, so keep what is
   * needed to continue its training until `onRelease` names it. A call for more epochs of a candidate whose state
   * was not kept may train from scratch to `epochs`: the result must be the same.
   */
  readonly keep?: boolean;
}

/** One fitness call the engine is about to make. */
export interface PlannedCall<C = Chromosome> {
  readonly index: number;
  readonly chromosome: C;
  /** The epochs the call asks for (FitnessContext.epochs). */
  readonly epochs?: number;
  readonly rung?: number;
}

/**
 * The fitness calls of one pass (a phase, or a rung of a phase with halving), in the order the engine makes them. The
 * engine makes exactly these calls unless the run stops, except when a chromosome repeats within the pass: a planned
 * repeat is answered from the cache when the earlier call's result was cached, and a repeat left out of the plan (as
 * a cache hit to be) is called when the earlier call failed or was skipped. Match calls to it by (phase, index, rung).
 */
export interface EvaluationPlan<C = Chromosome> {
  readonly phase: number;
  readonly rung: number;
  readonly rungCount: number;
  readonly calls: readonly PlannedCall<C>[];
}

/** The injected fitness: higher is better (e.g. validation accuracy). May throw; the individual is then failed. */
export type FitnessFn<C = Chromosome> = (chromosome: C, ctx: FitnessContext) => Promise<FitnessResult>;
/** The injected cost model used by the budget. */
export type CostFn<C = Chromosome> = (chromosome: C) => { readonly params: number; readonly flops: number };

/** What `run` needs from its caller; only `fitness` is required. */
export interface RunOptions<C = Chromosome> {
  readonly fitness: FitnessFn<C>;
  /** Required when the config sets maxParams or maxFlops. */
  readonly cost?: CostFn<C>;
  readonly onEvent?: (event: EngineEvent<C>) => void;
  /** Called with a JSON-safe state after every individual and every phase change; awaited. */
  readonly onCheckpoint?: (state: EngineState<C>) => void | Promise<void>;
  /** Checked before each individual; true stops the run cleanly (resume later with `run` or `restore`). */
  readonly shouldStop?: () => boolean;
  /** Checked like shouldStop and passed to the fitness function. */
  readonly signal?: StopSignal;
  /** Milliseconds clock for `seconds`; default Date.now. */
  readonly now?: () => number;
  /**
   * Told before each pass of fitness calls (a phase, or a rung of a phase), and on resume for the rest of the pass,
   * which calls are coming: a caller may compute them concurrently while the engine takes their results in order.
   */
  readonly onPlan?: (plan: EvaluationPlan<C>) => void;
  /** Told which candidates of the phase will not be trained further (successive halving): drop what was kept for them. */
  readonly onRelease?: (phase: number, indices: readonly number[]) => void;
}

/** The whole engine as plain JSON: restoring it continues exactly where it was. */
export interface EngineState<C = Chromosome> {
  readonly version: 1;
  readonly config: GaConfig;
  readonly rng: RngState;
  /** False until the initial population is drawn (that needs the cost function, given to `run`). */
  readonly initialised: boolean;
  /** Current phase: 0 is the initial population, `generations` is the last. */
  readonly phase: number;
  /** Position in `queue` of the next individual to evaluate; queue.length means the pass is over. */
  readonly cursor: number;
  /** Indices of the individuals this pass evaluates, in order; absent (states saved before halving) means all. */
  readonly queue?: readonly number[];
  /** The rung in progress (0 = the first; always 0 with full fidelity). */
  readonly rung?: number;
  /** Successive halving: the epochs of each rung of this phase, lowest first. */
  readonly rungEpochs?: readonly number[];
  readonly population: readonly Individual<C>[];
  readonly hallOfFame: readonly Individual<C>[];
  /** Successful trainings by key `${trainingKey}|${genome key}` (and `|${epochs} epochs` for a partial one), in insertion order. */
  readonly cache: readonly (readonly [string, CacheEntry])[];
  readonly history: readonly PhaseStats<C>[];
  /** NSGA-II: the parents' generation (selNSGA2's survivors), which the offspring being evaluated compete with. */
  readonly survivors?: readonly Individual<C>[];
  /** Multi-objective runs: the Pareto front of every individual evaluated so far, best first. */
  readonly front?: readonly Individual<C>[];
  /** Completed calls of the fitness function. */
  readonly fitnessCalls: number;
  readonly finished: boolean;
}
