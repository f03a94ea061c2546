/** The worker entry: owns the dataset, the backend and the run; exposes ONE API through comlink. */
import * as Comlink from 'comlink';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { chooseBackend, configureWasm, isBackendName, type BackendChoice } from '../ml/backend';
import { syntheticDataset } from '../data/synthetic';
import { CLASS_NAMES, type Dataset, type Splits } from '../data/dataset';
import { makeSplits } from '../data/splits';
import { runEvolution, type BestModel, type RunControl } from '../experiment/run';
import { exportModel, type ExportedModel } from '../ml/export';
import { buildModel } from '../ml/model';
import { restoreWeights } from '../ml/train';
import { summarize } from './summary';
import type { ControlCommand, DatasetSummary, EvolabWorkerApi, RunConfig, RunEvent } from './api';

let backend: BackendChoice | null = null;
let dataset: Dataset | null = null;
let activeRun: RunControl | null = null;
let lastBest: { best: BestModel; config: RunConfig } | null = null;

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
      const result = await runEvolution({ config, data, splits, backend, control, emit: onEvent });
      if (result.best) lastBest = { best: result.best, config };
      return result.outcome;
    } finally {
      activeRun = null;
    }
  },

  async exportBestModel(): Promise<ExportedModel> {
    if (!lastBest) throw new Error('no trained model yet: run the GA first');
    const { best, config } = lastBest;
    const model = buildModel(best.chromosome, config.network);
    try {
      restoreWeights(model, best.weights);
      const exported = await exportModel(model, {
        evolab: { chromosome: best.chromosome, valAccuracy: best.fitness, network: config.network, input: '[n,48,48,1] float32, pixel / 255', classes: CLASS_NAMES },
      });
      return Comlink.transfer(exported, [exported.weights]);
    } finally {
      model.dispose();
    }
  },

  control(command: ControlCommand): void {
    if (activeRun) activeRun.command = command;
  },
};

Comlink.expose(api);
