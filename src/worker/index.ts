/** The worker entry: owns the dataset, the backend and the run; exposes ONE API through comlink. */
import * as Comlink from 'comlink';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { chooseBackend, configureWasm, isBackendName, memoryStats, type BackendChoice, type MemoryStats } from '../ml/backend';
import { syntheticDataset } from '../data/synthetic';
import * as tf from '@tensorflow/tfjs';
import { CLASS_NAMES, IMAGE_SIZE, type Dataset, type Splits } from '../data/dataset';
import { makeSplits, type SplitMode } from '../data/splits';
import { parseFer2013 } from '../data/fer2013';
import type { LoadReport } from '../data/loadReport';
import { streamChunks } from '../data/streams';
import { RunController, type ControlRequest } from '../experiment/control';
import { runEvolution, type BestModel, type RunInput } from '../experiment/run';
import type { RunLog } from '../experiment/runlog';
import type { RunRecorder } from '../persist/recorder';
import { runLogToEvents } from '../persist/replay';
import type { StorageNotice, StorageState, StoredRunSummary } from '../persist/types';
import { Persistence, type SampleRecipe } from './persistence';
import { exportModel, type ExportedModel } from '../ml/export';
import { buildModel } from '../ml/model';
import { restoreWeights } from '../ml/train';
import { summarize } from './summary';
import type { ControlCommand, DatasetSummary, EvolabWorkerApi, LoadOutcome, LoadProgress, RunConfig, RunEvent } from './api';

let backend: BackendChoice | null = null;
let dataset: Dataset | null = null;
/** The loader's report of the dataset in memory (null for the synthetic sample). */
let datasetReport: LoadReport | null = null;
/** The file load in progress; cancelLoad sets `aborted`, which the parser checks at every chunk. */
let activeLoad: { aborted: boolean } | null = null;
/** Progress reports per second during a file load: enough for a smooth bar without flooding the page. */
const PROGRESS_PER_SEC = 10;

/** A summary of the dataset in memory split by `mode`, with its sample faces marked for transfer. */
function summaryOf(data: Dataset, mode: SplitMode, seed: number, perClassCap?: number): DatasetSummary {
  const split = makeSplits(data, { mode, seed, perClassCap: perClassCap || undefined });
  const summary = summarize(data, split, seed, datasetReport ?? undefined);
  return Comlink.transfer(summary, summary.samples.flat().map((s) => s.buffer as ArrayBuffer));
}
/** The controller of the run in progress: the worker owns it, the page sends it requests through controlRun. */
let activeRun: RunController | null = null;
let lastBest: { best: BestModel; config: RunConfig } | null = null;

/** Saved runs (IndexedDB) of this worker. */
const persistence = new Persistence();
/** How the synthetic sample in memory was made (null for a file): a saved run regenerates it on resume. */
let sampleRecipe: SampleRecipe | null = null;

/** Runs the GA with every event and checkpoint also saved by `recorder`; the run goes on if saving fails. */
async function drive(input: RunInput, recorder: RunRecorder): Promise<'done' | 'stopped'> {
  const onEvent = input.emit;
  const result = await runEvolution({
    ...input,
    emit: (e) => {
      recorder.event(e);
      onEvent(e);
    },
    onCheckpoint: (cp) => recorder.checkpoint(cp),
  });
  if (result.best) lastBest = { best: result.best, config: input.config };
  await recorder.finish(result.outcome);
  return result.outcome;
}

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
    datasetReport = null;
    sampleRecipe = { perClass, seed };
    return summaryOf(dataset, 'canonical', seed);
  },

  async loadFile(file: File, onProgress: (p: LoadProgress) => void, split?: { mode: SplitMode; seed: number }): Promise<LoadOutcome> {
    // A second load supersedes the first: the first one ends as cancelled.
    if (activeLoad) activeLoad.aborted = true;
    const signal = { aborted: false };
    activeLoad = signal;
    const started = performance.now();
    let lastSent = -Infinity;
    const report = (p: { bytes: number; rows: number; badRows: number }, force: boolean): void => {
      const now = performance.now();
      if (!force && now - lastSent < 1000 / PROGRESS_PER_SEC) return;
      lastSent = now;
      const seconds = Math.max((now - started) / 1000, 1e-3);
      onProgress({ bytes: p.bytes, totalBytes: file.size, rows: p.rows, badRows: p.badRows, mbPerSec: p.bytes / 1e6 / seconds });
    };
    report({ bytes: 0, rows: 0, badRows: 0 }, true);
    try {
      const result = await parseFer2013(streamChunks(file.stream()), {
        totalBytes: file.size,
        onProgress: (p) => report(p, false),
        signal,
        name: file.name,
        seed: split?.seed ?? 0,
      });
      const seconds = (performance.now() - started) / 1000;
      if (!result.ok) {
        const badLines = (result.report?.badLines ?? []).map(({ line, reason }) => ({ line, reason }));
        return { ok: false, cancelled: result.cancelled === true, error: result.error, badCount: result.report?.badCount ?? 0, badLines };
      }
      report({ bytes: file.size, rows: result.report.rows, badRows: result.report.badCount }, true);
      dataset = result.dataset;
      datasetReport = result.report;
      return { ok: true, summary: summaryOf(dataset, split?.mode ?? 'canonical', split?.seed ?? 0), seconds };
    } finally {
      if (activeLoad === signal) activeLoad = null;
    }
  },

  cancelLoad(): void {
    if (activeLoad) activeLoad.aborted = true;
  },

  async setSplit(mode: SplitMode, seed: number, perClassCap?: number): Promise<DatasetSummary> {
    if (!dataset) throw new Error('load a dataset first');
    return summaryOf(dataset, mode, seed, perClassCap);
  },

  async run(config: RunConfig, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'> {
    if (!backend) throw new Error('the training backend is not initialised yet');
    if (!dataset) throw new Error('load a dataset first');
    if (activeRun) throw new Error('a run is already in progress');
    const data = dataset;
    const splits: Splits = makeSplits(data, { mode: config.split ?? 'canonical', seed: config.seed, perClassCap: config.perClass || undefined }).splits;
    const control = new RunController();
    activeRun = control;
    let recorder: RunRecorder | null = null;
    try {
      const descriptor = await persistence.describe(data, data.synthetic ? sampleRecipe : null, datasetReport?.bytesRead ?? null);
      recorder = await persistence.begin(config, data, splits, descriptor);
      return await drive({ config, data, splits, backend, control, emit: onEvent }, recorder);
    } finally {
      if (recorder) persistence.end(recorder);
      activeRun = null;
    }
  },

  async openStorage(simulate: string | null): Promise<StorageState> {
    return persistence.open(simulate);
  },

  watchStorage(onNotice: (notice: StorageNotice) => void): void {
    persistence.watch(onNotice);
  },

  async listRuns(): Promise<StoredRunSummary[]> {
    return persistence.list();
  },

  async getRunLog(id: string): Promise<RunLog> {
    return persistence.runLog(id);
  },

  async deleteRun(id: string): Promise<void> {
    return persistence.delete(id);
  },

  async importRunLog(text: string): Promise<StoredRunSummary> {
    return persistence.import(text);
  },

  async restoreRunDataset(id: string): Promise<DatasetSummary> {
    const record = await persistence.record(id);
    const d = record.dataset;
    const config = record.runLog.config;
    if (d.kind === 'sample') {
      dataset = syntheticDataset(d.perClass, d.seed);
      datasetReport = null;
      sampleRecipe = { perClass: d.perClass, seed: d.seed };
      return summaryOf(dataset, config.split ?? 'canonical', d.seed);
    }
    const problem = await persistence.mismatch(d, dataset);
    if (problem || !dataset) throw new Error(problem ?? 'load the run\'s data first');
    return summaryOf(dataset, config.split ?? 'canonical', config.seed);
  },

  async resumeRun(id: string, onEvent: (event: RunEvent) => void): Promise<'done' | 'stopped'> {
    if (!backend) throw new Error('the training backend is not initialised yet');
    if (activeRun) throw new Error('a run is already in progress');
    const control = new RunController();
    activeRun = control;
    let recorder: RunRecorder | null = null;
    try {
      const taken = await persistence.resume(id);
      recorder = taken.recorder;
      const problem = await persistence.mismatch(taken.dataset, dataset);
      if (problem || !dataset) throw new Error(problem ?? 'load the run\'s data first');
      const data = dataset;
      const config = taken.log.config;
      const splits: Splits = makeSplits(data, { mode: config.split ?? 'canonical', seed: config.seed, perClassCap: config.perClass || undefined }).splits;
      // The page shows the candidates evaluated before the interruption again, then the run goes on from its checkpoint.
      for (const e of runLogToEvents(taken.log, backend.software)) onEvent(e);
      return await drive({ config, data, splits, backend, control, emit: onEvent, resume: taken.checkpoint }, recorder);
    } finally {
      if (recorder) persistence.end(recorder);
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

  async predict(pixels: Uint8Array): Promise<number[]> {
    if (!lastBest) throw new Error('no trained model yet: run the GA first');
    if (pixels.length !== IMAGE_SIZE) throw new Error(`expected ${IMAGE_SIZE} pixels (48x48), got ${pixels.length}`);
    const { best, config } = lastBest;
    const model = buildModel(best.chromosome, config.network);
    try {
      restoreWeights(model, best.weights);
      // The same input scaling as training (src/ml/batches.ts): [1,48,48,1] float32, pixel / 255.
      const probs = tf.tidy(() => model.predict(tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [1, 48, 48, 1])) as tf.Tensor);
      try {
        return Array.from(await probs.data());
      } finally {
        probs.dispose();
      }
    } finally {
      model.dispose();
    }
  },

  async memoryStats(): Promise<MemoryStats> {
    return memoryStats();
  },

  controlRun(request: ControlRequest): boolean {
    return activeRun?.request(request) ?? false;
  },

  control(command: ControlCommand): void {
    activeRun?.request({ type: command });
  },
};

Comlink.expose(api);
