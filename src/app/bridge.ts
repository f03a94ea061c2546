/** The page's side of the worker: one comlink proxy and events into the store; runs are controlled with `api.controlRun`. */
import * as Comlink from 'comlink';
import type { EvolabWorkerApi, RunConfig, RunEvent } from '../worker/api';

export interface WorkerBridge {
  readonly api: Comlink.Remote<EvolabWorkerApi>;
  /** Runs the GA; Stop, Pause, Resume and Skip go to the worker's run controller through `api.controlRun`. */
  run(config: RunConfig, opts: { onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  /** Continues a saved run (its saved results are replayed through onEvent first); controlled like `run`. */
  resume(id: string, opts: { onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  terminate(): void;
}

/** Starts the worker and wraps its API. */
export function startWorker(): WorkerBridge {
  const worker = new Worker(new URL('../worker/index.ts', import.meta.url), { type: 'module', name: 'evolab-trainer' });
  const api = Comlink.wrap<EvolabWorkerApi>(worker);
  return {
    api,
    run: (config, { onEvent }) => api.run(config, Comlink.proxy(onEvent)),
    resume: (id, { onEvent }) => api.resumeRun(id, Comlink.proxy(onEvent)),
    terminate() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
