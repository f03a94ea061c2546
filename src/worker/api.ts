/** The ONE typed API the worker exposes through comlink; the page imports these types only. */
import type { Chromosome } from '../ga/chromosome';
import type { BackendChoice } from '../ml/backend';
import type { Evaluation } from '../ml/evaluate';
import type { NetworkSettings } from '../ml/model';
import type { TrainProgress } from '../ml/train';

export type { BackendChoice, Chromosome, Evaluation, NetworkSettings, TrainProgress };

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
  | { readonly type: 'candidate-started'; readonly phase: number; readonly index: number; readonly chromosome: Chromosome; readonly params: number }
  | { readonly type: 'progress'; readonly phase: number; readonly index: number; readonly progress: TrainProgress }
  | ({ readonly type: 'evaluated' } & IndividualRecord)
  | ({ readonly type: 'phase-done' } & PhaseSummary)
  | { readonly type: 'test-result'; readonly chromosome: Chromosome; readonly evaluation: Evaluation }
  | { readonly type: 'run-done'; readonly outcome: 'done' | 'stopped'; readonly best: IndividualRecord | null };

/** Counts the dataset view shows. */
export interface DatasetSummary {
  readonly name: string;
  readonly synthetic: boolean;
  readonly count: number;
  /** Rows per class (7). */
  readonly perClass: number[];
  /** Rows per split role, per class. */
  readonly splits: { readonly train: number[]; readonly val: number[]; readonly test: number[] };
  /** A few 48x48 images per class for the face grid: `samples[class]` is a list of 2304-byte images. */
  readonly samples: Uint8Array[][];
}

export type ControlCommand = 'stop' | 'skip';

/** The worker's API. Long calls take a progress callback (a comlink proxy) and are cancelled with `control('stop')`. */
export interface EvolabWorkerApi {
  /** Chooses and initialises the backend; `forced` comes from `?backend=NAME`. */
  init(forced: string | null): Promise<BackendChoice>;
  /** Generates the built-in synthetic sample in the worker. */
  loadSample(perClass: number, seed: number): Promise<DatasetSummary>;
  /** Runs the GA to the end (or until stopped), reporting every step through `onEvent`. */
  run(config: RunConfig, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'>;
  /** Stops the run or skips the candidate in training; takes effect within one batch. */
  control(command: ControlCommand): void;
}
