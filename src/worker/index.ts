/** The worker entry: owns the dataset, the backend and the run; exposes ONE API through comlink. */
import * as Comlink from 'comlink';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { chooseBackend, configureWasm, isBackendName, memoryStats, type BackendChoice, type MemoryStats } from '../ml/backend';
import { syntheticDataset } from '../data/synthetic';
import { CLASS_NAMES, type Dataset, type Splits } from '../data/dataset';
import { makeSplits, type SplitMode } from '../data/splits';
import { parseFer2013, type LoadReport } from '../data/fer2013';
import { streamChunks } from '../data/streams';
import { runEvolution, type BestModel, type RunControl } from '../experiment/run';
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
    datasetReport = null;
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

  async memoryStats(): Promise<MemoryStats> {
    return memoryStats();
  },

  control(command: ControlCommand): void {
    if (activeRun) activeRun.command = command;
  },
};

Comlink.expose(api);
