/// <reference types="vite/client" />
/**
 * Test page: `window.budgetRun(budget, config)` runs the app's training worker on WebGPU with `budget` bytes of GPU
 * buffer memory (tests/pages/gpu-budget.ts) and returns what the run reported. Used by tests/e2e/webgpu-oom.spec.ts.
 */
import * as Comlink from 'comlink';
import type {
  BackendChoice,
  Chromosome,
  EvolabWorkerApi,
  MemoryStats,
  RunConfig,
  RunEvent,
} from '../../src/worker/api';

/** What one run on the budget reported. */
export interface BudgetRun {
  readonly choice: BackendChoice;
  readonly outcome: 'done' | 'stopped';
  readonly candidates: readonly {
    readonly chromosome: Chromosome;
    readonly params: number;
    readonly status: string;
    readonly reason?: string;
    /** GPU bytes the backend held after the candidate (its buffer pool: about its peak). */
    readonly gpuBytes?: number;
    readonly memory: MemoryStats | null;
  }[];
  /** console.warn and console.error of the worker during the run (tests/pages/worker-console.ts). */
  readonly workerWarnings: readonly string[];
  /** True once the worker said it forwards its console. */
  readonly workerConsole: boolean;
}

declare global {
  interface Window {
    budgetRun: (budget: number, config: RunConfig) => Promise<BudgetRun>;
  }
}

const out = document.getElementById('out') as HTMLElement;

window.budgetRun = async (budget, config) => {
  const workerWarnings: string[] = [];
  let workerConsole = false;
  const console = new BroadcastChannel('worker-console');
  console.onmessage = (e: MessageEvent<{ ready?: true; text?: string }>) => {
    if (e.data.ready) workerConsole = true;
    if (e.data.text !== undefined) workerWarnings.push(e.data.text);
  };
  const worker = new Worker(new URL('./gpu-budget-worker.ts', import.meta.url), {
    type: 'module',
    name: `gpu-budget:${budget}`,
  });
  const api = Comlink.wrap<EvolabWorkerApi>(worker);
  try {
    const choice = await api.init('webgpu');
    await api.loadSample(Math.max(config.perClass, 2), config.seed);
    const candidates: BudgetRun['candidates'][number][] = [];
    const onEvent = (e: RunEvent): void => {
      if (e.type === 'evaluated') {
        const gpuBytes = e.memory?.gpuBytesAllocated;
        candidates.push({
          chromosome: e.chromosome,
          params: e.params,
          status: e.status,
          ...(e.reason ? { reason: e.reason } : {}),
          ...(gpuBytes === undefined ? {} : { gpuBytes }),
          memory: e.memory ?? null,
        });
      }
      out.textContent = `${choice.name}: ${candidates.length} candidates evaluated`;
    };
    const outcome = await api.run(config, Comlink.proxy(onEvent));
    out.textContent = JSON.stringify(candidates, null, 1);
    return { choice, outcome, candidates, workerWarnings, workerConsole };
  } finally {
    console.close();
    worker.terminate();
  }
};
out.textContent = 'ready';
