/// <reference types="vite/client" />
/** The trainer benchmark's worker: the app's worker setup (bench/pages/train-worker.ts), then one candidate through trainCandidate. */
import * as Comlink from 'comlink';
import { chooseBackend, configureWasm, isBackendName, type BackendChoice } from '../../src/ml/backend';
import { browserWasmOptions, WASM_PATHS } from '../../src/ml/wasm-assets';
import { benchTrainer, type TrainerBenchOptions, type TrainerBenchResult } from './trainer-core';

/** What the page calls in this worker. */
export interface TrainerBenchWorker {
  /** Initialises `backend` (wasm with `threads`, or this machine's default when null). */
  init(backend: string, threads: number | null): Promise<BackendChoice>;
  run(options: TrainerBenchOptions): Promise<TrainerBenchResult>;
}

const api: TrainerBenchWorker = {
  async init(backend, threads) {
    configureWasm(WASM_PATHS, browserWasmOptions(threads));
    return chooseBackend(isBackendName(backend) ? backend : 'wasm');
  },
  run: (options) => benchTrainer(options),
};

Comlink.expose(api);
