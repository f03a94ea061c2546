/** The ONE typed API the worker exposes through comlink; the page imports these types only. */
import type { Chromosome } from '../ga/chromosome';
import type { BackendChoice } from '../ml/backend';
import type { Evaluation } from '../ml/evaluate';
import type { NetworkSettings } from '../ml/model';
import type { TrainProgress } from '../ml/train';
import type { ExportedModel } from '../ml/export';

export type { BackendChoice, Chromosome, Evaluation, ExportedModel, NetworkSettings, TrainProgress };

export type { CandidateStatus, IndividualRecord, PhaseSummary, RunConfig, RunEvent } from '../experiment/types';
import type { RunConfig, RunEvent } from '../experiment/types';

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
  /** The best model of the last run as tfjs LayersModel files, with chromosome and metrics in model.json's metadata. */
  exportBestModel(): Promise<ExportedModel>;
  /** Stops the run or skips the candidate in training; takes effect within one batch. */
  control(command: ControlCommand): void;
}
