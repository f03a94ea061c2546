/** The page's side of the worker: one comlink proxy, events into the store, cancel by signal. */
import * as Comlink from 'comlink';
import type { EvolabWorkerApi, RunConfig, RunEvent } from '../worker/api';

export interface WorkerBridge {
  readonly api: Comlink.Remote<EvolabWorkerApi>;
  /** Runs the GA; aborting the signal stops it within one training batch. */
  run(config: RunConfig, opts: { signal: AbortSignal; onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  /** Continues a saved run (its saved results are replayed through onEvent first); aborting the signal stops it. */
  resume(id: string, opts: { signal: AbortSignal; onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  terminate(): void;
}

/** Starts the worker and wraps its API. */
export function startWorker(): WorkerBridge {
  const worker = new Worker(new URL('../worker/index.ts', import.meta.url), { type: 'module', name: 'evolab-trainer' });
  const api = Comlink.wrap<EvolabWorkerApi>(worker);
  return {
    api,
    async run(config, { signal, onEvent }) {
      const stop = (): void => void api.control('stop');
      signal.addEventListener('abort', stop, { once: true });
      try {
        return await api.run(config, Comlink.proxy(onEvent));
      } finally {
        signal.removeEventListener('abort', stop);
      }
    },
    async resume(id, { signal, onEvent }) {
      const stop = (): void => void api.control('stop');
      signal.addEventListener('abort', stop, { once: true });
      try {
        return await api.resumeRun(id, Comlink.proxy(onEvent));
      } finally {
        signal.removeEventListener('abort', stop);
      }
    },
    terminate() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
