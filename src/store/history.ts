/** History slice: saved runs (IndexedDB, in the worker), storage health, the interrupted run on offer, a past run on view. */
import type { StateCreator } from 'zustand';
import type { StorageNotice, StorageState, StoredRunSummary } from '../worker/api';

/** A saved run replayed into the lab's views; a new run (runRequested) ends the view. */
export interface ViewingRun {
  readonly id: string;
  readonly label: string;
}

export interface HistorySlice {
  /** Null until the worker opened the database. */
  storage: StorageState | null;
  /** Why the run in progress is no longer being saved (quota, storage off); cleared by the next successful save. */
  storageFault: string | null;
  /** The last checkpoint saved in this tab. */
  saved: { readonly runId: string; readonly evaluated: number; readonly planned: number } | null;
  /** Whether the file of the run started in this tab is kept for resumes (`message`: why not); null for the sample. */
  dataCopy: { readonly runId: string; readonly name: string; readonly message: string | null } | null;
  runs: StoredRunSummary[];
  historyError: string | null;
  viewing: ViewingRun | null;
  /** The interrupted run the person said "Not now" to. */
  resumeDismissed: string | null;
  storageOpened: (state: StorageState) => void;
  storageNotice: (notice: StorageNotice) => void;
  runsListed: (runs: StoredRunSummary[]) => void;
  historyFailed: (message: string | null) => void;
  viewRun: (viewing: ViewingRun | null) => void;
  dismissResume: (id: string) => void;
}

/** Added to a storage fault when the run it hit has ended without its end (and its model) being saved. */
const FINISHED_UNSAVED =
  'The run ended without its end and its model being saved: Download model and Download run log keep them until this tab is closed; the history keeps the last save.';

export const createHistorySlice: StateCreator<HistorySlice, [], [], HistorySlice> = (set) => ({
  storage: null,
  storageFault: null,
  saved: null,
  dataCopy: null,
  runs: [],
  historyError: null,
  viewing: null,
  resumeDismissed: null,
  storageOpened: (state) => set({ storage: state }),
  storageNotice: (n) =>
    set((s) => {
      switch (n.kind) {
        case 'saved':
          return { saved: { runId: n.runId, evaluated: n.evaluated, planned: n.planned }, storageFault: null };
        case 'fault':
          return { storageFault: n.message };
        case 'data-copy':
          return { dataCopy: { runId: n.runId, name: n.name, message: n.message } };
        case 'finished':
          // Said after the fault already shown, once: what is still at hand in this tab.
          return n.saved || s.storageFault === null || s.storageFault.includes(FINISHED_UNSAVED)
            ? {}
            : { storageFault: `${s.storageFault} ${FINISHED_UNSAVED}` };
      }
    }),
  runsListed: (runs) => set({ runs }),
  historyFailed: (message) => set({ historyError: message }),
  viewRun: (viewing) => set({ viewing }),
  dismissResume: (id) => set({ resumeDismissed: id }),
});
