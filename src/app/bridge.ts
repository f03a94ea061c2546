/** The page's side of the worker: one comlink proxy, run events to the caller and to watchers; runs are controlled with `api.controlRun`. */
import * as Comlink from 'comlink';
import type { EvolabWorkerApi, RunConfig, RunEvent } from '../worker/api';

/** The worker as the page uses it. */
export interface WorkerBridge {
  readonly api: Comlink.Remote<EvolabWorkerApi>;
  /** Runs the GA; Stop, Pause, Resume and Skip go to the worker's run controller through `api.controlRun`. */
  run(config: RunConfig, opts: { onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  /** Continues a saved run (its saved results are replayed through onEvent first); controlled like `run`. */
  resume(id: string, opts: { onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  /** Also hands every event of every later run and resume to `watcher` (after onEvent); returns the way to stop watching. */
  watchRuns(watcher: (e: RunEvent) => void): () => void;
  terminate(): void;
}

/** Starts the worker and wraps its API. */
export function startWorker(): WorkerBridge {
  const worker = new Worker(new URL('../worker/index.ts', import.meta.url), { type: 'module', name: 'evolab-trainer' });
  const api = Comlink.wrap<EvolabWorkerApi>(worker);
  const watchers = new Set<(e: RunEvent) => void>();
  const events = (onEvent: (e: RunEvent) => void): ((e: RunEvent) => void) =>
    Comlink.proxy((e: RunEvent) => {
      onEvent(e);
      for (const w of watchers) w(e);
    });
  return {
    api,
    run: (config, { onEvent }) => api.run(config, events(onEvent)),
    resume: (id, { onEvent }) => api.resumeRun(id, events(onEvent)),
    watchRuns(watcher) {
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    },
    terminate() {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
