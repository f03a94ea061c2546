/** Dataset slice: what is loaded in the worker, as counts and a few sample faces, and the file load in progress. */
import type { StateCreator } from 'zustand';
import type { DatasetSummary, LoadOutcome, LoadProgress, RunConfig, SplitMode } from '../worker/api';

/** A skipped row of a file: its line number (the header is line 1) and why. */
export interface BadLineInfo {
  readonly line: number;
  readonly reason: string;
}

/** A file load in progress. */
export interface FileLoad {
  readonly name: string;
  readonly size: number;
  readonly progress: LoadProgress | null;
  readonly cancelling: boolean;
}

/** Why the last file was not loaded, with its bad rows, so they can be shown in place. */
export interface LoadRejection {
  readonly name: string;
  readonly error: string;
  readonly badCount: number;
  readonly badLines: readonly BadLineInfo[];
}

export interface DatasetSlice {
  dataset: DatasetSummary | null;
  datasetBusy: boolean;
  datasetError: string | null;
  /** The file being loaded, or null. */
  fileLoad: FileLoad | null;
  /** The last file that was rejected (not cancelled); cleared by the next successful load. */
  loadRejection: LoadRejection | null;
  /** Set when the last file load was cancelled: the file's name. */
  loadCancelled: string | null;
  datasetLoading: () => void;
  datasetLoaded: (summary: DatasetSummary) => void;
  datasetFailed: (message: string) => void;
  fileLoadStarted: (name: string, size: number) => void;
  fileLoadProgress: (progress: LoadProgress) => void;
  fileLoadCancelRequested: () => void;
  fileLoadFinished: (outcome: LoadOutcome) => void;
  /** Chooses how the dataset is split (config.split, read by the next run). */
  setSplitMode: (mode: SplitMode) => void;
}

// Typed over the config too: the split mode lives in the run config, which the settings slice owns.
export const createDatasetSlice: StateCreator<DatasetSlice & { config: RunConfig }, [], [], DatasetSlice> = (set) => ({
  dataset: null,
  datasetBusy: false,
  datasetError: null,
  fileLoad: null,
  loadRejection: null,
  loadCancelled: null,
  datasetLoading: () => set({ datasetBusy: true, datasetError: null, loadRejection: null, loadCancelled: null }),
  datasetLoaded: (summary) => set({ dataset: summary, datasetBusy: false, datasetError: null }),
  // A failed load keeps the dataset that was loaded before.
  datasetFailed: (message) => set({ datasetBusy: false, datasetError: message, fileLoad: null }),
  fileLoadStarted: (name, size) =>
    set({
      datasetBusy: true,
      datasetError: null,
      loadRejection: null,
      loadCancelled: null,
      fileLoad: { name, size, progress: null, cancelling: false },
    }),
  fileLoadProgress: (progress) => set((s) => (s.fileLoad ? { fileLoad: { ...s.fileLoad, progress } } : {})),
  fileLoadCancelRequested: () => set((s) => (s.fileLoad ? { fileLoad: { ...s.fileLoad, cancelling: true } } : {})),
  fileLoadFinished: (outcome) =>
    set((s) => {
      const name = s.fileLoad?.name ?? 'the file';
      if (outcome.ok)
        return {
          dataset: outcome.summary,
          datasetBusy: false,
          fileLoad: null,
          loadRejection: null,
          loadCancelled: null,
        };
      if (outcome.cancelled) return { datasetBusy: false, fileLoad: null, loadCancelled: name };
      return {
        datasetBusy: false,
        fileLoad: null,
        loadRejection: { name, error: outcome.error, badCount: outcome.badCount, badLines: outcome.badLines },
      };
    }),
  setSplitMode: (mode) => set((s) => ({ config: { ...s.config, split: mode } })),
});
