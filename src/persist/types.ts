/** Plain-data types of saved runs, shared by the worker (which stores them) and the page (which lists them). */
import type { RunConfig } from '../experiment/types';

/**
 * Where a run's images came from, so that a resume can get the very same data back: the synthetic sample is
 * regenerated from its recipe; a file is identified by the SHA-256 of its parsed images, labels and usage, and read
 * back from the copy kept in the Origin Private File System (src/worker/datasetCache.ts) or loaded again by the person.
 * `notKept` says why no copy was kept when the run started.
 */
export type DatasetDescriptor =
  | {
      readonly kind: 'sample';
      readonly name: string;
      readonly count: number;
      readonly perClass: number;
      readonly seed: number;
    }
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly count: number;
      readonly bytes: number | null;
      readonly sha256: string;
      readonly notKept?: string;
    }
  /** A run imported from a run log: only the log's description of its data is known. */
  | { readonly kind: 'imported'; readonly name: string; readonly count: number };

/** A saved run's lifecycle; `interrupted` is a run left `running` whose tab or worker is gone (its lock is free). */
export type StoredRunStatus = 'running' | 'interrupted' | 'done' | 'stopped';

/** One row of the run history. */
export interface StoredRunSummary {
  readonly id: string;
  /** ISO time the run started (or the imported log's createdAt). */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly status: StoredRunStatus;
  /** True when the run is `running` in another tab of this lab (it holds the run's Web Lock). */
  readonly elsewhere: boolean;
  /** True when a checkpoint exists and the run has not finished: it can be continued. */
  readonly resumable: boolean;
  readonly imported: boolean;
  readonly dataset: DatasetDescriptor;
  readonly config: RunConfig;
  readonly backend: { readonly name: string; readonly reason: string };
  /** Individuals evaluated so far and the most the run can evaluate (population x phases). */
  readonly evaluated: number;
  readonly planned: number;
  /** Best validation accuracy (the GA's fitness) and the best model's test accuracy, when known. */
  readonly bestAccuracy: number | null;
  readonly testAccuracy: number | null;
  /** Seconds the run spent running, summed over its sessions (a resume does not count the time it was away). */
  readonly seconds: number;
  /** Why resuming asks for the run's file again (no copy of its data is kept in this browser), or null when it does not. */
  readonly fileNeeded: string | null;
}

/** What the worker tells the page about saving, as it happens. */
export type StorageNotice =
  | { readonly kind: 'saved'; readonly runId: string; readonly evaluated: number; readonly planned: number }
  | { readonly kind: 'fault'; readonly fault: StorageFault; readonly message: string; readonly runId: string | null }
  | { readonly kind: 'finished'; readonly runId: string; readonly saved: boolean }
  /** Whether a copy of the run's file is kept for resumes (`message` says why not). */
  | { readonly kind: 'data-copy'; readonly runId: string; readonly name: string; readonly message: string | null };

/** Why a write failed: the browser's quota, storage switched off (private mode), or anything else. */
export type StorageFault = 'quota' | 'unavailable' | 'other';

/** The storage state after opening the database. */
export interface StorageState {
  readonly available: boolean;
  /** Why it is unavailable, for the person. */
  readonly message: string | null;
}
