/** The one store: slices combined once; actions are callable outside React (worker callbacks). */
import { create } from 'zustand';
import { createConfigSlice, type ConfigSlice } from './config';
import { createDatasetSlice, type DatasetSlice } from './dataset';
import { createRunSlice, type RunSlice } from './run';
import { createHistorySlice, type HistorySlice } from './history';
import { createCostSlice, type CostSlice } from './cost';

export type LabState = ConfigSlice & DatasetSlice & RunSlice & HistorySlice & CostSlice;

export const useLab = create<LabState>()((...a) => ({
  ...createConfigSlice(...a),
  ...createDatasetSlice(...a),
  ...createRunSlice(...a),
  ...createHistorySlice(...a),
  ...createCostSlice(...a),
}));
