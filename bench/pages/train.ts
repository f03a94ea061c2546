/// <reference types="vite/client" />
/**
 * Training-throughput page: `?backend=wasm|webgl|webgpu|cpu&threads=N`; trains in a module worker as the app does.
 * bench/training.ts calls `window.trainBench(options)`.
 */
import * as Comlink from 'comlink';
import type { BackendChoice } from '../../src/ml/backend';
import type { TrainBenchOptions, TrainBenchResult } from './train-core';
import type { TrainBenchWorker } from './train-worker';

declare global {
  interface Window {
    trainBench: (o: TrainBenchOptions) => Promise<TrainBenchResult & { choice: BackendChoice }>;
    trainBenchReady: Promise<BackendChoice>;
  }
}

const out = document.getElementById('out') as HTMLElement;
const params = new URLSearchParams(location.search);
const worker = Comlink.wrap<TrainBenchWorker>(
  new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module', name: 'train-bench' }),
);
const threads = Number(params.get('threads')) || null;
window.trainBenchReady = worker.init(params.get('backend') ?? 'wasm', threads);
window.trainBench = async (o) => {
  const choice = await window.trainBenchReady;
  out.textContent = `training on ${choice.name}...`;
  const r = await worker.run(o);
  out.textContent = JSON.stringify(r, null, 1);
  return { ...r, choice };
};
void window.trainBenchReady.then((c) => (out.textContent = `backend ${c.name}: ${c.reason}`));
