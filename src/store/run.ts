/** Run slice: the live state of the GA run, fed by worker events. */
import type { StateCreator } from 'zustand';
import type { BackendChoice, Chromosome, Evaluation, IndividualRecord, PhaseSummary, RunEvent, TrainProgress } from '../worker/api';

export type RunStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'done' | 'stopped' | 'error';

export interface CurrentCandidate {
  readonly phase: number;
  readonly index: number;
  readonly chromosome: Chromosome;
  readonly params: number;
  readonly progress: TrainProgress | null;
}

export interface RunSlice {
  status: RunStatus;
  backend: BackendChoice | null;
  backendError: string | null;
  phases: number;
  populationSize: number;
  individuals: IndividualRecord[];
  phaseSummaries: PhaseSummary[];
  current: CurrentCandidate | null;
  best: IndividualRecord | null;
  test: { chromosome: Chromosome; evaluation: Evaluation } | null;
  runError: string | null;
  startedAt: number | null;
  backendReady: (choice: BackendChoice) => void;
  backendFailed: (message: string) => void;
  runRequested: () => void;
  stopRequested: () => void;
  runEvent: (event: RunEvent) => void;
  runFailed: (message: string) => void;
}

function better(a: IndividualRecord, b: IndividualRecord | null): boolean {
  return a.fitness !== null && (b === null || b.fitness === null || a.fitness > b.fitness);
}

export const createRunSlice: StateCreator<RunSlice, [], [], RunSlice> = (set) => ({
  status: 'idle',
  backend: null,
  backendError: null,
  phases: 0,
  populationSize: 0,
  individuals: [],
  phaseSummaries: [],
  current: null,
  best: null,
  test: null,
  runError: null,
  startedAt: null,
  backendReady: (choice) => set({ backend: choice, backendError: null }),
  backendFailed: (message) => set({ backendError: message }),
  runRequested: () =>
    set({ status: 'starting', individuals: [], phaseSummaries: [], current: null, best: null, test: null, runError: null, startedAt: Date.now() }),
  stopRequested: () => set((s) => (s.status === 'running' || s.status === 'starting' ? { status: 'stopping' } : {})),
  runFailed: (message) => set({ status: 'error', runError: message, current: null }),
  runEvent: (event) =>
    set((s) => {
      switch (event.type) {
        case 'run-started':
          return { status: s.status === 'stopping' ? 'stopping' : 'running', phases: event.phases, populationSize: event.config.populationSize, backend: event.backend };
        case 'candidate-started':
          return { current: { phase: event.phase, index: event.index, chromosome: event.chromosome, params: event.params, progress: null } };
        case 'progress':
          return s.current && s.current.phase === event.phase && s.current.index === event.index
            ? { current: { ...s.current, progress: event.progress } }
            : {};
        case 'evaluated': {
          const { type: _type, ...record } = event;
          return { individuals: [...s.individuals, record], best: better(record, s.best) ? record : s.best };
        }
        case 'phase-done': {
          const { type: _type, ...summary } = event;
          return { phaseSummaries: [...s.phaseSummaries, summary] };
        }
        case 'test-result':
          return { test: { chromosome: event.chromosome, evaluation: event.evaluation } };
        case 'run-done':
          return { status: event.outcome === 'done' ? 'done' : 'stopped', current: null, best: event.best ?? s.best };
      }
    }),
});
