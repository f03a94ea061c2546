/// <reference types="vite/client" />
/**
 * The training benchmark's worker: the same setup as the app's training worker (module worker, wasm files from the
 * app's assets, threads when the page is cross-origin isolated), then timed steps of one chromosome's network.
 */
import * as Comlink from 'comlink';
import { chooseBackend, configureWasm, isBackendName, type BackendChoice } from '../../src/ml/backend';
import { browserWasmOptions, WASM_PATHS } from '../../src/ml/wasm-assets';
import { benchTraining, type TrainBenchOptions, type TrainBenchResult } from './train-core';

/** What the page calls in this worker. */
export interface TrainBenchWorker {
  /** Initialises `backend` (wasm with `threads`, or this machine's default when null). */
  init(backend: string, threads: number | null): Promise<BackendChoice>;
  run(options: TrainBenchOptions): Promise<TrainBenchResult>;
}

const api: TrainBenchWorker = {
  async init(backend, threads) {
    configureWasm(WASM_PATHS, browserWasmOptions(threads));
    return chooseBackend(isBackendName(backend) ? backend : 'wasm');
  },
  run: (options) => benchTraining(options),
};

Comlink.expose(api);
