/** The experiment's plain-data types: run settings, individual records and the event stream (shared by the worker, the CLI and the page). */
import type { Chromosome } from '../ga/chromosome';
import type { BackendChoice, MemoryStats } from '../ml/backend';
import type { Evaluation } from '../ml/evaluate';
import type { TrainProgress } from '../ml/train';
import type { RunConfig } from '../settings';
import type { FinalConfig, FinalResult } from './finalResult';

/** Everything a run needs: derived from the settings schema (src/settings). */
export type { RunConfig } from '../settings';

export type CandidateStatus = 'trained' | 'cached' | 'failed' | 'diverged' | 'over-budget' | 'skipped';

/** One rung an individual reached with successive halving: the epochs it was trained to, its fitness there, the seconds it took. */
export interface RungRecord {
  readonly epochs: number;
  readonly fitness: number | null;
  readonly seconds: number;
}

/**
 * What a trained candidate is measured by: validation accuracy (the fitness), parameters, forward FLOPs per image, and
 * inference latency in ms per image (batch 1, median of timed runs after warm-up, on the backend that trained it). The
 * latency is a timing: it differs between two runs of the same seed.
 */
export interface ObjectiveValues {
  readonly accuracy: number;
  readonly params: number;
  readonly flops: number;
  readonly latencyMs: number;
}

/** Where an individual was evaluated: its phase and its index in that phase. */
export interface IndividualRef {
  readonly phase: number;
  readonly index: number;
}

/** One evaluated individual, as the run log and tables show it. */
export interface IndividualRecord {
  readonly phase: number;
  readonly index: number;
  readonly chromosome: Chromosome;
  /** With successive halving, the validation accuracy at the last rung it reached. */
  readonly fitness: number | null;
  readonly status: CandidateStatus;
  readonly reason?: string;
  /** Seconds of training in this phase (all its rungs); 0 when cached or carried over. */
  readonly seconds: number;
  readonly params: number;
  /** Forward FLOPs per image (absent in logs written before budgets). */
  readonly flops?: number;
  /** Epochs its network was trained (absent in older logs; 0 when it was never trained). */
  readonly epochsTrained?: number;
  /** Successive halving: the rung (0 = the first) of its latest result, and each rung it reached in this phase. */
  readonly rung?: number;
  readonly rungs?: readonly RungRecord[];
  /** Successive halving: trained to a lower rung only; its fitness is a shorter training's and it cannot be the best. */
  readonly partial?: true;
  /** Trained and cached candidates: every objective's value (whichever the run optimises). */
  readonly objectives?: ObjectiveValues;
}

export interface PhaseSummary {
  readonly phase: number;
  /** Over the individuals that may be the best (with halving: trained the full epochs). */
  readonly best: number | null;
  readonly mean: number | null;
  readonly min: number | null;
  readonly fitnesses: (number | null)[];
  readonly seconds: number;
  /** Successive halving: the epochs of each rung of the phase, lowest first. */
  readonly rungEpochs?: readonly number[];
  /** Multi-objective runs: the Pareto front of every candidate evaluated so far, best accuracy first. */
  readonly front?: IndividualRef[];
}

/** What the worker reports during a run, in order. */
export type RunEvent =
  | {
      readonly type: 'run-started';
      readonly config: RunConfig;
      readonly phases: number;
      readonly backend: BackendChoice;
    }
  | {
      readonly type: 'candidate-started';
      readonly phase: number;
      readonly index: number;
      readonly chromosome: Chromosome;
      readonly params: number;
      readonly memory?: MemoryStats;
      /** Epochs this training reaches in total; with halving, its rung (0 = the first) of `rungCount`. */
      readonly epochs?: number;
      readonly rung?: number;
      readonly rungCount?: number;
    }
  // Successive halving: a rung of a phase begins, training the individuals at `indices` to rungEpochs[rung] epochs.
  | {
      readonly type: 'rung-started';
      readonly phase: number;
      readonly rung: number;
      readonly rungEpochs: readonly number[];
      readonly indices: readonly number[];
    }
  | { readonly type: 'progress'; readonly phase: number; readonly index: number; readonly progress: TrainProgress }
  // `memory`: tensors and GPU bytes after the candidate's tensors were disposed (before the next backend re-creation).
  | ({ readonly type: 'evaluated'; readonly memory?: MemoryStats } & IndividualRecord)
  /** Multi-objective runs, after every evaluated candidate: the Pareto front so far, best accuracy first. */
  | { readonly type: 'front'; readonly phase: number; readonly members: IndividualRef[] }
  | ({ readonly type: 'phase-done' } & PhaseSummary)
  /** The test scores of the model the downloads hand out; `chosen` names the front member a person picked (Use this model, --pick). */
  | {
      readonly type: 'test-result';
      readonly chromosome: Chromosome;
      readonly evaluation: Evaluation;
      readonly chosen?: IndividualRef;
    }
  | { readonly type: 'run-done'; readonly outcome: 'done' | 'stopped'; readonly best: IndividualRecord | null }
  // The final training of one chromosome (after a search, or alone): started, progress, then how it ended.
  | {
      readonly type: 'final-started';
      readonly chromosome: Chromosome;
      readonly config: FinalConfig;
      readonly seed: number;
      readonly params: number;
      readonly testCount: number;
    }
  | { readonly type: 'final-progress'; readonly progress: TrainProgress }
  | {
      readonly type: 'final-done';
      readonly outcome: FinalOutcome;
      readonly result: FinalResult | null;
      readonly reason?: string;
    };

/** How a final training ended: trained and tested, stopped by the person, or failed (diverged, out of memory...). */
export type FinalOutcome = 'done' | 'stopped' | 'failed';
