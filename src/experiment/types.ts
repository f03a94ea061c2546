/** The experiment's plain-data types: run settings, individual records and the event stream (shared by the worker, the CLI and the page). */
import type { Chromosome } from '../ga/chromosome';
import type { BackendChoice, MemoryStats } from '../ml/backend';
import type { Evaluation } from '../ml/evaluate';
import type { TrainProgress } from '../ml/train';
import type { RunConfig } from '../settings';
import type { FinalConfig, FinalResult } from './finalResult';

/** Everything a run needs: derived from the settings schema (src/settings). */
export type { RunConfig } from '../settings';

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
  | { readonly type: 'candidate-started'; readonly phase: number; readonly index: number; readonly chromosome: Chromosome; readonly params: number; readonly memory?: MemoryStats }
  | { readonly type: 'progress'; readonly phase: number; readonly index: number; readonly progress: TrainProgress }
  // `memory`: tensors and GPU bytes after the candidate's tensors were disposed (before the next backend re-creation).
  | ({ readonly type: 'evaluated'; readonly memory?: MemoryStats } & IndividualRecord)
  | ({ readonly type: 'phase-done' } & PhaseSummary)
  | { readonly type: 'test-result'; readonly chromosome: Chromosome; readonly evaluation: Evaluation }
  | { readonly type: 'run-done'; readonly outcome: 'done' | 'stopped'; readonly best: IndividualRecord | null }
  // The final training of one chromosome (after a search, or alone): started, progress, then how it ended.
  | { readonly type: 'final-started'; readonly chromosome: Chromosome; readonly config: FinalConfig; readonly seed: number; readonly params: number; readonly testCount: number }
  | { readonly type: 'final-progress'; readonly progress: TrainProgress }
  | { readonly type: 'final-done'; readonly outcome: FinalOutcome; readonly result: FinalResult | null; readonly reason?: string };

/** How a final training ended: trained and tested, stopped by the person, or failed (diverged, out of memory...). */
export type FinalOutcome = 'done' | 'stopped' | 'failed';

