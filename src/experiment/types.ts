/** The experiment's plain-data types: run settings, individual records and the event stream (shared by the worker, the CLI and the page). */
import type { Chromosome } from '../ga/chromosome';
import type { BackendChoice, MemoryStats } from '../ml/backend';
import type { Evaluation } from '../ml/evaluate';
import type { NetworkSettings } from '../ml/model';
import type { TrainProgress } from '../ml/train';
import type { SplitMode } from '../data/splits';
import type { CrossoverKind, SelectionKind } from '../ga/config';

/** Everything a run needs; serialises to JSON (URL, run file). */
export interface RunConfig {
  readonly seed: number;
  readonly populationSize: number;
  /** Generations after the initial population, as in the paper (phases = generations + 1). */
  readonly generations: number;
  readonly crossoverRate: number;
  readonly mutationRate: number;
  readonly maxFilters: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly patience: number;
  readonly augmentFlip: boolean;
  readonly network: NetworkSettings;
  /** Cap of images per class in each split; 0 means no cap. */
  readonly perClass: number;
  /** GA operators; each one left out takes the value of PAPER_GA_DEFAULTS (src/ga/config.ts). */
  readonly crossover?: CrossoverKind;
  /** Cut points of k-point crossover. */
  readonly crossoverPoints?: number;
  readonly selection?: SelectionKind;
  readonly tournamentSize?: number;
  /** Best individuals copied unchanged into the next phase. */
  readonly elitism?: number;
  readonly hallOfFameSize?: number;
  /** How the dataset is split (src/data/splits.ts); absent means canonical. */
  readonly split?: SplitMode;
}

export type CandidateStatus = 'trained' | 'cached' | 'failed' | 'diverged' | 'over-budget' | 'skipped';

/** One evaluated individual, as the run log and tables show it. */
export interface IndividualRecord {
  readonly phase: number;
  readonly index: number;
  readonly chromosome: Chromosome;
  readonly fitness: number | null;
  readonly status: CandidateStatus;
  readonly reason?: string;
  readonly seconds: number;
  readonly params: number;
}

export interface PhaseSummary {
  readonly phase: number;
  readonly best: number | null;
  readonly mean: number | null;
  readonly min: number | null;
  readonly fitnesses: (number | null)[];
  readonly seconds: number;
}

/** What the worker reports during a run, in order. */
export type RunEvent =
  | { readonly type: 'run-started'; readonly config: RunConfig; readonly phases: number; readonly backend: BackendChoice }
  | { readonly type: 'candidate-started'; readonly phase: number; readonly index: number; readonly chromosome: Chromosome; readonly params: number; readonly memory?: MemoryStats }
  | { readonly type: 'progress'; readonly phase: number; readonly index: number; readonly progress: TrainProgress }
  // `memory`: tensors and GPU bytes after the candidate's tensors were disposed (before the next backend re-creation).
  | ({ readonly type: 'evaluated'; readonly memory?: MemoryStats } & IndividualRecord)
  | ({ readonly type: 'phase-done' } & PhaseSummary)
  | { readonly type: 'test-result'; readonly chromosome: Chromosome; readonly evaluation: Evaluation }
  | { readonly type: 'run-done'; readonly outcome: 'done' | 'stopped'; readonly best: IndividualRecord | null };

