/** Cost slice: the expected duration of a run with the current settings, and the estimate the run in progress started with. */
import type { StateCreator } from 'zustand';
import type { CostEstimate, DatasetSummary, RunConfig } from '../worker/api';

/** What the estimate shown is doing: nothing to estimate yet, asked for, timing networks, shown, or failed. */
export type CostStatus = 'idle' | 'pending' | 'measuring' | 'ready' | 'error';

export interface CostState {
  readonly status: CostStatus;
  /** The last estimate made (kept while a newer one is worked out, and during a run). */
  readonly estimate: CostEstimate | null;
  /** The settings and data `estimate` is for (costKey). */
  readonly key: string | null;
  /** The request in flight, whose answer replaces `estimate`; an answer to an older one is dropped. */
  readonly asked: string | null;
  readonly error: string | null;
}

/** A learned correction of the estimate: actual / predicted seconds of a finished run's trainings on a backend. */
export interface CostFactor {
  readonly backend: string;
  readonly factor: number;
}

/** The backend an estimate timed, as a key: "wasm 1", "webgpu". */
export const backendKey = (b: CostEstimate['backend']): string =>
  b.threads === undefined ? b.name : `${b.name} ${b.threads}`;

/** The correction that applies to an estimate (1 when no run on its backend finished in this tab). */
export const factorFor = (factor: CostFactor | null, cost: CostEstimate): number =>
  factor !== null && factor.backend === backendKey(cost.backend) ? factor.factor : 1;

export interface CostSlice {
  cost: CostState;
  /**
   * The estimate made for exactly the settings and data the last run started from Start had, with those settings, or
   * null; the ETA uses it while the run in view has the same settings (a resumed saved run may not).
   */
  runEstimate: { readonly config: RunConfig; readonly cost: CostEstimate; readonly factor: number } | null;
  /**
   * How much slower than the timed steps the last finished run in this tab trained, on which backend: later estimates
   * on that backend are scaled by it (the page drawing a run shares the processor with the training).
   */
  costFactor: CostFactor | null;
  costLearned: (factor: CostFactor) => void;
  costRequested: (key: string) => void;
  costMeasuring: (key: string) => void;
  costReady: (key: string, estimate: CostEstimate) => void;
  costFailed: (key: string, message: string) => void;
  /** A run starts with these settings on `dataset`: its ETA uses the estimate made for them, if there is one. */
  costFreeze: (config: RunConfig, dataset: DatasetSummary | null) => void;
}

/** The identity of an estimate: the settings and the data (its name, size and splits). */
export function costKey(config: RunConfig, dataset: DatasetSummary | null): string {
  return JSON.stringify({ config, data: dataset ? [dataset.name, dataset.count, dataset.splits] : null });
}

export const createCostSlice: StateCreator<CostSlice, [], [], CostSlice> = (set) => ({
  cost: { status: 'idle', estimate: null, key: null, asked: null, error: null },
  runEstimate: null,
  costFactor: null,
  costLearned: (factor) => set({ costFactor: factor }),
  costRequested: (key) => set((s) => ({ cost: { ...s.cost, status: 'pending', asked: key, error: null } })),
  costMeasuring: (key) => set((s) => (s.cost.asked === key ? { cost: { ...s.cost, status: 'measuring' } } : {})),
  costReady: (key, estimate) =>
    set((s) => (s.cost.asked === key ? { cost: { status: 'ready', estimate, key, asked: null, error: null } } : {})),
  costFailed: (key, message) =>
    set((s) => (s.cost.asked === key ? { cost: { ...s.cost, status: 'error', asked: null, error: message } } : {})),
  costFreeze: (config, dataset) =>
    set((s) => ({
      runEstimate:
        s.cost.estimate !== null && s.cost.key === costKey(config, dataset)
          ? { config, cost: s.cost.estimate, factor: factorFor(s.costFactor, s.cost.estimate) }
          : null,
    })),
});

/** True when two settings are the same run's (compared as the address and run.json write them: as JSON). */
export function sameConfig(a: RunConfig | null, b: RunConfig | null): boolean {
  return a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}
