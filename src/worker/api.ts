/** The ONE typed API the worker exposes through comlink; the page imports these types only. */
import type { Chromosome } from '../ga/chromosome';
import type { BackendChoice, MemoryStats } from '../ml/backend';
import type { Evaluation } from '../ml/evaluate';
import type { NetworkSettings } from '../ml/model';
import type { TrainProgress } from '../ml/train';
import type { ExportedModel } from '../ml/export';
import type { SplitMode } from '../data/splits';
import type { CalibrationPoint } from '../ml/calibrate';
import type { RunEstimate, SpeedModel, SplitCounts } from '../experiment/cost';

export type {
  BackendChoice,
  Chromosome,
  MemoryStats,
  Evaluation,
  ExportedModel,
  NetworkSettings,
  SplitMode,
  TrainProgress,
};

export type {
  CandidateStatus,
  FinalOutcome,
  IndividualRecord,
  IndividualRef,
  ObjectiveValues,
  PhaseSummary,
  RunConfig,
  RunEvent,
} from '../experiment/types';
import type { FinalOutcome, IndividualRef, RunConfig, RunEvent } from '../experiment/types';
export type { FinalConfig, FinalEpoch, FinalResult } from '../experiment/finalResult';
import type { RunLog } from '../experiment/runlog';
import type { StorageNotice, StorageState, StoredRunSummary } from '../persist/types';

export type { RunLog, StorageNotice, StorageState, StoredRunSummary };
export type { CalibrationPoint, RunEstimate, SpeedModel, SplitCounts };

/**
 * A timed calibration network and what it stands for: the median drawn network, the largest one, or the median one
 * with 2 filters a layer (the fixed cost of an image); `halvings` times halved filters when the network was too slow
 * (a network may be timed at two sizes: the first one's timing lets a larger one fit).
 */
export type CalibrationUse = CalibrationPoint & {
  readonly role: 'smallest' | 'typical' | 'largest';
  readonly halvings: number;
};

/** What a run with some settings is expected to cost on this machine, and how that was worked out. */
export interface CostEstimate {
  /** The backend that was timed (wasm: its thread count). */
  readonly backend: { readonly name: BackendChoice['name']; readonly threads?: number };
  readonly estimate: RunEstimate;
  /** The fitted speed, from which the page also predicts the time left during the run. */
  readonly speed: SpeedModel;
  /** Images of the run's splits. */
  readonly counts: SplitCounts;
  /** The calibration networks the speed was fitted to, smallest first. */
  readonly points: readonly CalibrationUse[];
  /** Forward FLOPs per image of the networks drawn from the run's seed within the budget: median, largest, how many. */
  readonly draws: { readonly median: number; readonly max: number; readonly count: number };
  /** Seconds this estimate spent timing networks (0 when every one was timed before). */
  readonly measuredSeconds: number;
}

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
  /** Valid rows in the file before deduplication (equals `count` for the synthetic sample). */
  readonly rows: number;
  /** Exact-duplicate images found while loading. */
  readonly duplicates: DuplicateSummary;
  /** Rows skipped as invalid, and the first 100 of them. */
  readonly badCount: number;
  readonly badLines: readonly { readonly line: number; readonly reason: string }[];
  /** Header columns that were ignored. */
  readonly extraColumns: readonly string[];
  /** Where the Usage of each row came from: the file, or a seeded 80/10/10 split of a file without Usage. */
  readonly usageSource: 'file' | 'random';
  /** The archive member the CSV was read from (a .tar.gz, .tar or .zip), or null for a bare .csv or .csv.gz. */
  readonly archive: { readonly format: 'tar' | 'zip'; readonly member: string } | null;
  /** How `splits` was made; `leaky` when the GA's fitness is measured on the test data (paper mode). */
  readonly split: { readonly mode: SplitMode; readonly leaky: boolean; readonly seed: number };
}

/** Duplicate statistics of a load: rows removed, groups of identical images, groups whose labels disagree or that span Usage values. */
export interface DuplicateSummary {
  readonly rowsRemoved: number;
  readonly groups: number;
  readonly labelConflicts: number;
  readonly groupsSpanningSplits: number;
}

/** Progress of a file load, at most about 10 per second. */
export interface LoadProgress {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly rows: number;
  readonly badRows: number;
  /** Source bytes per second so far, in MB/s (10^6 bytes). */
  readonly mbPerSec: number;
}

/** The end of a file load: the new dataset, or why it was not loaded (the previous dataset stays). */
export type LoadOutcome =
  | { readonly ok: true; readonly summary: DatasetSummary; readonly seconds: number }
  | {
      readonly ok: false;
      readonly cancelled: boolean;
      readonly error: string;
      readonly badCount: number;
      readonly badLines: readonly { readonly line: number; readonly reason: string }[];
    };

/** Train best longer: the best chromosome of a run trained again from scratch with more epochs. */
export interface FinalRequest {
  /** Epochs of the final training (the settings schema's epochs range); the run's other training settings apply. */
  readonly epochs: number;
  readonly augmentFlip: boolean;
  /** The saved run whose best chromosome is trained; absent: the last run this worker drove. */
  readonly runId?: string;
}

/** Which model Download model and Try the model use: the search's best network, or the final one trained longer. */
export type ModelSource = 'search' | 'final';

/** 'pause' makes the trainer wait between batches until 'resume'; 'stop' and 'skip' act even while paused. */
export type ControlCommand = 'stop' | 'skip' | 'pause' | 'resume';

/** An RGBA image (4 bytes a pixel, row-major) from the camera or a photo; its buffer is transferred to the worker. */
export interface FaceFrame {
  readonly rgba: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** What Try the model read in a frame: the largest face (pixels of the frame), the 48x48 crop the model saw, its 7 probabilities. */
export interface FaceReading {
  /** The largest face found, or null (then the crop is the frame's centre square, or there is no crop). */
  readonly face: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly score: number;
  } | null;
  /** Faces found in the frame. */
  readonly faces: number;
  /** The 48x48 grayscale image given to the model (2304 bytes, row-major), or null when nothing was classified. */
  readonly crop: Uint8Array | null;
  readonly probabilities: number[] | null;
}

export type { CandidateRef, ControlRequest } from '../experiment/control';
import type { ControlRequest } from '../experiment/control';

/**
 * Posted by a worker that cannot go on (its backend crashed, or an error escaped every handler), beside comlink's
 * messages: the page terminates it and starts a fresh one (src/app/bridge.ts).
 */
export interface WorkerFatalMessage {
  readonly evolabFatal: string;
}

/** The worker's API. Long calls take a progress callback (a comlink proxy); a run is stopped with `controlRun({ type: 'stop' })`. */
export interface EvolabWorkerApi {
  /**
   * Chooses and initialises the backend; `forced` comes from `?backend=NAME`, `threads` (wasm threads; omitted or null:
   * this machine's default) from `?threads=N`.
   */
  init(forced: string | null, threads?: number | null): Promise<BackendChoice>;
  /** Generates the built-in synthetic sample in the worker. */
  loadSample(perClass: number, seed: number): Promise<DatasetSummary>;
  /**
   * Streams a FER2013 CSV (.csv or .csv.gz, or inside a .tar.gz, .tar or .zip) from `file` in the worker: parsed, validated and deduplicated, reporting
   * progress through `onProgress`. A rejected or cancelled file leaves the loaded dataset in place.
   */
  loadFile(
    file: File,
    onProgress: (p: LoadProgress) => void,
    split?: { mode: SplitMode; seed: number },
  ): Promise<LoadOutcome>;
  /** Cancels the file load in progress (takes effect at the next chunk of the file). */
  cancelLoad(): void;
  /** Re-splits the loaded dataset and returns its summary with the new counts. */
  setSplit(mode: SplitMode, seed: number, perClassCap?: number): Promise<DatasetSummary>;
  /**
   * The expected duration of a run with `config` on the loaded dataset and this backend: the run's trainings priced
   * with timed steps of calibration networks (at most about 5 s of timing, kept per backend and network shape).
   * `onMeasuring` is called when timing starts. Refused while a run or a training is in progress.
   */
  estimateCost(config: RunConfig, onMeasuring?: () => void): Promise<CostEstimate>;
  /** Runs the GA to the end (or until stopped), reporting every step through `onEvent`. */
  run(config: RunConfig, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'>;
  /**
   * Use this model: makes a front member of the last run (multi-objective, ended) the model that Download model, Try
   * the model and Train best longer use, scores it on the test split and saves the choice (and its weights) with the
   * run. Returns the test-result event (with `chosen`). Refused while a run is going, or for a network whose weights
   * are not kept.
   */
  useFrontModel(member: IndividualRef & { chromosome: Chromosome }): Promise<RunEvent>;
  /**
   * The model the lab hands out as tfjs LayersModel files, with chromosome and metrics in model.json's metadata: the
   * last run's best (or chosen) network, or its final network once Train best longer finished (or the one openRunModel chose).
   */
  exportBestModel(): Promise<ExportedModel>;
  /** The 7 class probabilities of that same model for one 48x48 grayscale image (2304 bytes, row-major). */
  predict(pixels: Uint8Array): Promise<number[]>;
  /**
   * Trains the best chromosome of a run again from scratch (events final-started, final-progress, final-done through
   * `onEvent`); stopped with `controlRun({ type: 'stop' })`. When it finishes, its network becomes the model the lab
   * hands out and is saved with the run (IndexedDB). Throws when the run's data is not the loaded data.
   */
  trainFinal(request: FinalRequest, onEvent: (event: RunEvent) => void): Promise<FinalOutcome>;
  /**
   * Makes a saved run's model the one the lab hands out: its final model (Train best longer), else its best network
   * (kept with the run when it ended, or trained by this worker); null when it has none (an imported run log, nothing
   * trained, its save refused).
   */
  openRunModel(id: string): Promise<ModelSource | null>;
  /**
   * Try the model on a camera frame or a photo: finds the largest face, crops it as FER2013 frames its faces, converts it
   * to 48x48 grayscale and classifies it with the model the lab hands out (as predict). With no face, `fallback: 'centre'` classifies
   * the centre square (a photo that is already a face crop), `'none'` classifies nothing (a camera frame).
   */
  readFace(frame: FaceFrame, fallback: 'centre' | 'none'): Promise<FaceReading>;
  /** Live tensors and the GPU bytes the backend holds (pooled buffers included); flat across candidates when isolation works. */
  memoryStats(): Promise<MemoryStats>;
  /**
   * Stop, Pause, Resume or Skip for the run in progress, whose controller the worker owns; acts within one batch. A skip
   * naming a candidate acts only while that candidate is in training. False when there was nothing to act on (no run,
   * or a skip whose candidate is not in training).
   */
  controlRun(request: ControlRequest): boolean;
  /** `controlRun({ type: command })`, for callers that send a bare command (a skip is then for whichever candidate is training). */
  control(command: ControlCommand): void;
  /**
   * Opens the saved-runs database (IndexedDB). `simulate` is the `?simulate=` test hook (src/persist/codec.ts's
   * parseSimulate): `quota` (every write fails with QuotaExceededError), `quota:N` (after N writes), `nostorage`
   * (storage unavailable), `crash:N` (the worker dies once N candidates are saved), `abort:N` (the backend crashes in the
   * training step after N candidates). Runs are saved from then on.
   */
  openStorage(simulate: string | null): Promise<StorageState>;
  /** Where saving notices go: saved after a candidate, a storage fault (the run goes on in memory), run finished. */
  watchStorage(onNotice: (notice: StorageNotice) => void): void;
  /** The saved runs, newest first; a run left running with no tab holding its lock is `interrupted`. */
  listRuns(): Promise<StoredRunSummary[]>;
  /**
   * A run log (`run.json`, src/experiment/runlog.ts): without `id`, the log of the run in progress or the last run this
   * worker drove, kept in memory even when saving fails; with `id`, the log saved for that run.
   */
  getRunLog(id?: string): Promise<RunLog>;
  /** Deletes a saved run (refused while a tab is running it). */
  deleteRun(id: string): Promise<void>;
  /** Saves a run log file's text into the history; throws parseRunLog's one-line error for a bad file. */
  importRunLog(text: string): Promise<StoredRunSummary>;
  /** Loads a saved run's data again: regenerates the synthetic sample, or checks the loaded file (else the copy kept in this browser) by its SHA-256. */
  restoreRunDataset(id: string): Promise<DatasetSummary>;
  /**
   * Continues a saved run from its checkpoint (the candidate that was training is retrained): first replays the
   * saved results through `onEvent`, then runs to the end. Refused while another tab holds the run's lock.
   */
  resumeRun(id: string, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'>;
}
