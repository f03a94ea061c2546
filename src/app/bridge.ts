/**
 * The page's side of the worker: one comlink proxy, run events to the caller and to watchers; runs are controlled with
 * `api.controlRun`. A worker that dies (an uncaught error, an unhandled rejection, a crashed backend it reports) is
 * terminated and replaced: every call still waiting on it rejects with a WorkerCrashedError, and the setups registered
 * with `onWorker` run again on the fresh one.
 */
import * as Comlink from 'comlink';
import type { EvolabWorkerApi, RunConfig, RunEvent, WorkerFatalMessage } from '../worker/api';

/** A call that was waiting on a worker that died; `message` is for the person. */
export class WorkerCrashedError extends Error {
  constructor(readonly reason: string) {
    super(
      `The training worker crashed (${reason}) and was restarted. Everything saved is kept: a run in progress is saved up to its last evaluated candidate and can be resumed.`,
    );
    this.name = 'WorkerCrashedError';
  }
}

/** The worker as the page uses it. */
export interface WorkerBridge {
  /** The current worker's API; a call rejects with WorkerCrashedError when the worker dies before it settles. */
  readonly api: Comlink.Remote<EvolabWorkerApi>;
  /** Runs the GA; Stop, Pause, Resume and Skip go to the worker's run controller through `api.controlRun`. */
  run(config: RunConfig, opts: { onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  /** Continues a saved run (its saved results are replayed through onEvent first); controlled like `run`. */
  resume(id: string, opts: { onEvent: (e: RunEvent) => void }): Promise<'done' | 'stopped'>;
  /** Also hands every event of every later run and resume to `watcher` (after onEvent); returns the way to stop watching. */
  watchRuns(watcher: (e: RunEvent) => void): () => void;
  /**
   * Runs `setup` for the current worker now and for each replacement after a crash (`generation` 0 is the first
   * worker); returns the way to stop. Setups run in the order they were registered.
   */
  onWorker(setup: (api: Comlink.Remote<EvolabWorkerApi>, generation: number) => void): () => void;
  /** Tells `listener` why the worker died, before the replacement's setups run; returns the way to stop. */
  onCrash(listener: (error: WorkerCrashedError) => void): () => void;
  terminate(): void;
}

/** More crashes than this within CRASH_WINDOW_MS and the worker is not restarted again: it would only crash again. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

interface Generation {
  readonly worker: Worker;
  readonly remote: Comlink.Remote<EvolabWorkerApi>;
  /** Rejects once this worker died; every call races it. */
  readonly died: Promise<never>;
  readonly kill: (error: WorkerCrashedError) => void;
}

const isFatal = (data: unknown): data is WorkerFatalMessage =>
  typeof data === 'object' && data !== null && typeof (data as { evolabFatal?: unknown }).evolabFatal === 'string';

/** Starts the worker and wraps its API. */
export function startWorker(): WorkerBridge {
  const watchers = new Set<(e: RunEvent) => void>();
  const setups: ((api: Comlink.Remote<EvolabWorkerApi>, generation: number) => void)[] = [];
  const crashListeners = new Set<(error: WorkerCrashedError) => void>();
  const crashes: number[] = [];
  let generation = 0;
  let closed = false;

  const spawn = (): Generation => {
    const worker = new Worker(new URL('../worker/index.ts', import.meta.url), {
      type: 'module',
      name: 'evolab-trainer',
    });
    let kill: (error: WorkerCrashedError) => void = () => undefined;
    const died = new Promise<never>((_, reject) => {
      kill = reject;
    });
    // Nobody may be waiting when the worker dies.
    died.catch(() => undefined);
    const gen: Generation = { worker, remote: Comlink.wrap<EvolabWorkerApi>(worker), died, kill };
    // Comlink never settles a call whose worker died: these are the only signs of it.
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      crashed(gen, e.message || 'an uncaught error in the worker');
    });
    worker.addEventListener('message', (e: MessageEvent<unknown>) => {
      if (isFatal(e.data)) crashed(gen, e.data.evolabFatal);
    });
    return gen;
  };

  let current = spawn();

  function crashed(gen: Generation, reason: string): void {
    if (gen !== current || closed) return;
    const error = new WorkerCrashedError(reason);
    gen.kill(error);
    gen.remote[Comlink.releaseProxy]();
    gen.worker.terminate();
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && (crashes[0] ?? now) < now - CRASH_WINDOW_MS) crashes.shift();
    for (const listener of crashListeners) listener(error);
    if (crashes.length > MAX_CRASHES) {
      // The dead generation stays current: every call rejects at once with the reason.
      closed = true;
      return;
    }
    current = spawn();
    generation += 1;
    for (const setup of setups) setup(api, generation);
  }

  /** A call on the current worker that rejects if that worker dies first. */
  const guarded =
    (name: PropertyKey) =>
    (...args: unknown[]): Promise<unknown> => {
      const gen = current;
      const method = (gen.remote as unknown as Record<PropertyKey, (...a: unknown[]) => Promise<unknown>>)[name];
      // Async, so that a released proxy's synchronous throw becomes a rejection too.
      const call = (async () => method?.(...args))();
      // Once the worker died its reason wins, also over the released proxy's own error.
      void call.catch(() => undefined);
      return Promise.race([gen.died, call]);
    };
  const api = new Proxy({} as Comlink.Remote<EvolabWorkerApi>, {
    // Not a thenable: `await api` must not call the worker.
    get: (_, name) =>
      name === 'then'
        ? undefined
        : name === Comlink.releaseProxy
          ? () => current.remote[Comlink.releaseProxy]()
          : guarded(name),
  });

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
    onWorker(setup) {
      setups.push(setup);
      setup(api, generation);
      return () => {
        const i = setups.indexOf(setup);
        if (i >= 0) setups.splice(i, 1);
      };
    },
    onCrash(listener) {
      crashListeners.add(listener);
      return () => crashListeners.delete(listener);
    },
    terminate() {
      closed = true;
      current.remote[Comlink.releaseProxy]();
      current.worker.terminate();
    },
  };
}
