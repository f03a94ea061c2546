/** Dataset slice: what is loaded in the worker, as counts and a few sample faces. */
import type { StateCreator } from 'zustand';
import type { DatasetSummary } from '../worker/api';

export interface DatasetSlice {
  dataset: DatasetSummary | null;
  datasetBusy: boolean;
  datasetError: string | null;
  datasetLoading: () => void;
  datasetLoaded: (summary: DatasetSummary) => void;
  datasetFailed: (message: string) => void;
}

export const createDatasetSlice: StateCreator<DatasetSlice, [], [], DatasetSlice> = (set) => ({
  dataset: null,
  datasetBusy: false,
  datasetError: null,
  datasetLoading: () => set({ datasetBusy: true, datasetError: null }),
  datasetLoaded: (summary) => set({ dataset: summary, datasetBusy: false, datasetError: null }),
  // A failed load keeps the dataset that was loaded before.
  datasetFailed: (message) => set({ datasetBusy: false, datasetError: message }),
});
