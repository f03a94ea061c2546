/** The worker entry: owns the backend, the dataset (datasets.ts), the runs and their logs (runs.ts) and the saved runs (storage.ts); exposes ONE API through comlink. */
import * as Comlink from 'comlink';
import { BackendCrashedError, chooseBackend, configureWasm, isBackendName, memoryStats } from '../ml/backend';
import { browserWasmOptions, WASM_PATHS } from '../ml/wasm-assets';
import { parseSimulate } from '../persist/codec';
import type { EvolabWorkerApi, WorkerFatalMessage } from './api';
import { CostEstimator } from './cost';
import { DatasetCache } from './datasetCache';
import { Datasets } from './datasets';
import { FaceReader } from './faces';
import { exportServed, predictServed, releasePredictionModel } from './models';
import { Runs } from './runs';
import { RunStorage } from './storage';

/** Tells the page that this worker cannot go on; the page terminates it and starts a fresh one. */
function reportFatal(reason: string): void {
  const message: WorkerFatalMessage = { evolabFatal: reason };
  self.postMessage(message);
}

// An error that escaped every handler leaves the worker in an unknown state; uncaught exceptions reach the page as the
// Worker's `error` event, rejections do not.
self.addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  const reason: unknown = e.reason;
  reportFatal(`an unhandled error: ${reason instanceof Error ? reason.message : String(reason)}`);
});

/** A run whose backend crashed never settles here: the page ends it with the fatal report, and the worker with it. */
function unlessCrashed<T>(run: Promise<T>): Promise<T> {
  return run.catch((e: unknown) => {
    if (!(e instanceof BackendCrashedError)) throw e;
    reportFatal(e.message);
    return new Promise<never>(() => undefined);
  });
}

const copies = new DatasetCache();
const storage = new RunStorage(copies);
const datasets = new Datasets(storage, copies);
const runs = new Runs(storage, datasets);
const faces = new FaceReader();
const costs = new CostEstimator(datasets, () => runs.busy);

const api: EvolabWorkerApi = {
  async init(forced, threads) {
    configureWasm(WASM_PATHS, browserWasmOptions(threads));
    runs.backend = await chooseBackend(isBackendName(forced) ? forced : null);
    return runs.backend;
  },

  async loadSample(perClass, seed) {
    return datasets.loadSample(perClass, seed);
  },
  loadFile: (file, onProgress, split) => datasets.loadFile(file, onProgress, split),
  cancelLoad: () => datasets.cancelLoad(),
  async setSplit(mode, seed, perClassCap) {
    return datasets.setSplit(mode, seed, perClassCap);
  },

  estimateCost(config, onMeasuring) {
    const backend = runs.backend;
    if (!backend) return Promise.reject(new Error('the training backend is not ready'));
    return costs.estimate(config, backend, onMeasuring);
  },
  run: (config, onEvent) => {
    releasePredictionModel();
    return unlessCrashed(runs.run(config, onEvent));
  },
  resumeRun: (id, onEvent) => {
    releasePredictionModel();
    return unlessCrashed(runs.resume(id, onEvent));
  },
  controlRun: (request) => runs.control(request),
  control: (command) => void runs.control({ type: command }),
  async getRunLog(id) {
    return id === undefined ? runs.runLog() : storage.runLog(id);
  },

  useFrontModel: (member) => runs.useFrontModel(member),
  exportBestModel: async () => exportServed(runs.model()),
  predict: async (pixels) => predictServed(runs.model(), pixels),
  trainFinal: (request, onEvent) => {
    releasePredictionModel();
    return unlessCrashed(runs.trainFinal(request, onEvent));
  },
  openRunModel: (id) => runs.openModel(id),
  async readFace(frame, fallback) {
    const served = runs.model();
    const reading = await faces.read(frame, fallback, (pixels) => predictServed(served, pixels));
    return reading.crop ? Comlink.transfer(reading, [reading.crop.buffer as ArrayBuffer]) : reading;
  },
  async memoryStats() {
    return memoryStats();
  },

  openStorage: (simulate) => {
    runs.faults = parseSimulate(simulate);
    copies.refuse = runs.faults.noOpfs;
    return storage.open(simulate);
  },
  watchStorage: (onNotice) => storage.watch(onNotice),
  listRuns: () => storage.list(),
  deleteRun: (id) => storage.delete(id),
  importRunLog: (text) => storage.import(text),
  async restoreRunDataset(id) {
    const record = await storage.record(id);
    return datasets.restore(record.dataset, record.runLog.config);
  },
};

Comlink.expose(api);
