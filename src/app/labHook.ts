/**
 * The lab's automation hook, `window.__evolab`: the typed face that tools drive the lab through (the CLI's --browser mode),
 * so that no tool reads the page's wording. Types only; the lab installs it on startup (hookInstall.ts). A member that
 * changes meaning bumps `version`; new members may be added.
 */
import type { RunLog } from '../experiment/runlog';
import type { RunStatus } from '../store/run';
import type { BackendChoice, DatasetSummary, RunEvent } from '../worker/api';

/** What the lab shows, as data. */
export interface LabHookState {
  /** The run's state: idle, starting, running, stopping, done, stopped or error. */
  readonly status: RunStatus;
  /** Why the run failed (status `error`). */
  readonly runError: string | null;
  /** The training backend, once chosen. */
  readonly backend: BackendChoice | null;
  /** Why no training backend could be initialised. */
  readonly backendError: string | null;
  /** The dataset in the worker with its counts (sample faces left out); null until one is loaded. */
  readonly dataset: Omit<DatasetSummary, 'samples'> | null;
  /** True while a dataset loads. */
  readonly datasetBusy: boolean;
  /** Why the last load failed (for a rejected file, the reason it was rejected); null once a load succeeds. */
  readonly datasetError: string | null;
  /** Why Start cannot be pressed now, or null when it can. */
  readonly startBlocked: string | null;
  /** Why the training worker last died (the lab replaced it; a run in progress ended with status `error`), or null. */
  readonly workerCrash: string | null;
}

/** Run events in the order the page received them; consecutive progress events of a candidate are merged into the latest. */
export interface LabHookEvents {
  readonly events: RunEvent[];
  /** The sequence number of the last event: pass it as `after` next time. */
  readonly last: number;
}

/** `window.__evolab`. */
export interface LabHook {
  readonly version: 1;
  state(): LabHookState;
  /** The run events after sequence number `after` (0: all kept so far); events up to `after` are forgotten. */
  events(after: number): LabHookEvents;
  /** The run log of the run in view, from the worker that owns it: what "Download run log" saves. */
  runLog(): Promise<RunLog>;
  /** The files (model.json, weights.bin, evolab.json) in base64 of the model the lab hands out (the best, or the final one once trained longer): what "Download model" zips. */
  modelFiles(): Promise<Record<string, string>>;
}

declare global {
  interface Window {
    /** The automation hook (see LabHook). */
    __evolab?: LabHook;
  }
}
