/** The worker entry: owns the dataset, the backend and the run; exposes ONE API through comlink. */
import * as Comlink from 'comlink';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { chooseBackend, configureWasm, isBackendName, type BackendChoice } from '../ml/backend';
import { syntheticDataset } from '../data/synthetic';
import type { Dataset, Splits } from '../data/dataset';
import { makeSplits } from '../data/splits';
import { runEvolution, type RunControl } from '../experiment/run';
import { summarize } from './summary';
import type { ControlCommand, DatasetSummary, EvolabWorkerApi, RunConfig, RunEvent } from './api';

let backend: BackendChoice | null = null;
let dataset: Dataset | null = null;
let activeRun: RunControl | null = null;

const api: EvolabWorkerApi = {
  async init(forced: string | null): Promise<BackendChoice> {
    configureWasm({
      // The threaded binary is never loaded (threads are off, see configureWasm) but setWasmPaths wants every name.
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
    });
    backend = await chooseBackend(isBackendName(forced) ? forced : null);
    return backend;
  },

  async loadSample(perClass: number, seed: number): Promise<DatasetSummary> {
    dataset = syntheticDataset(perClass, seed);
    const { splits } = makeSplits(dataset, { mode: 'canonical', seed });
    const summary = summarize(dataset, splits);
    return Comlink.transfer(summary, summary.samples.flat().map((s) => s.buffer as ArrayBuffer));
  },

  async run(config: RunConfig, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'> {
    if (!backend) throw new Error('the training backend is not initialised yet');
    if (!dataset) throw new Error('load a dataset first');
    if (activeRun) throw new Error('a run is already in progress');
    const data = dataset;
    const splits: Splits = makeSplits(data, { mode: 'canonical', seed: config.seed, perClassCap: config.perClass || undefined }).splits;
    const control: RunControl = { command: 'go' };
    activeRun = control;
    try {
      return await runEvolution({ config, data, splits, backend, control, emit: onEvent });
    } finally {
      activeRun = null;
    }
  },

  control(command: ControlCommand): void {
    if (activeRun) activeRun.command = command;
  },
};

Comlink.expose(api);
