/// <reference types="vite/client" />
/**
 * Drives the real training worker (src/worker/index.ts) through its comlink API and records memoryStats at the start
 * and end of every candidate: `window.memoryRun(backend, config)`. Used by tests/e2e/webgpu-memory.spec.ts.
 */
import * as Comlink from 'comlink';
import type { BackendChoice, EvolabWorkerApi, MemoryStats, RunConfig, RunEvent } from '../../src/worker/api';

export interface MemoryRun {
  readonly choice: BackendChoice;
  readonly outcome: 'done' | 'stopped';
  /** Memory as each candidate starts (after the backend was re-created for it). */
  readonly started: { readonly kernels: number[]; readonly memory: MemoryStats | null }[];
  /** Memory after each candidate's tensors were disposed. */
  readonly evaluated: { readonly status: string; readonly reason?: string; readonly memory: MemoryStats | null }[];
  /** memoryStats() through the worker API after the run. */
  readonly after: MemoryStats;
}

declare global {
  interface Window {
    memoryRun: (backend: string, config: RunConfig) => Promise<MemoryRun>;
  }
}

const out = document.getElementById('out') as HTMLElement;

window.memoryRun = async (backend, config) => {
  const worker = new Worker(new URL('../../src/worker/index.ts', import.meta.url), {
    type: 'module',
    name: 'evolab-trainer',
  });
  const api = Comlink.wrap<EvolabWorkerApi>(worker);
  try {
    const choice = await api.init(backend);
    await api.loadSample(Math.max(config.perClass, 2), config.seed);
    const started: MemoryRun['started'][number][] = [];
    const evaluated: MemoryRun['evaluated'][number][] = [];
    const onEvent = (e: RunEvent): void => {
      if (e.type === 'candidate-started')
        started.push({ kernels: e.chromosome.conv.map((g) => g.kernel), memory: e.memory ?? null });
      if (e.type === 'evaluated')
        evaluated.push({ status: e.status, ...(e.reason ? { reason: e.reason } : {}), memory: e.memory ?? null });
      out.textContent = `${choice.name}: ${evaluated.length} candidates evaluated`;
    };
    const outcome = await api.run(config, Comlink.proxy(onEvent));
    const after = await api.memoryStats();
    out.textContent = JSON.stringify({ started, evaluated, after }, null, 1);
    return { choice, outcome, started, evaluated, after };
  } finally {
    worker.terminate();
  }
};
out.textContent = 'ready';
