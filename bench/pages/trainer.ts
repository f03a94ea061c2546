/// <reference types="vite/client" />
/**
 * Trainer benchmark page: `?backend=wasm|webgl|webgpu|cpu&threads=N`; one candidate through the app's trainer in a
 * module worker. bench/sync-points.ts calls `window.trainerBench(options)`.
 */
import * as Comlink from 'comlink';
import type { BackendChoice } from '../../src/ml/backend';
import type { TrainerBenchOptions, TrainerBenchResult } from './trainer-core';
import type { TrainerBenchWorker } from './trainer-worker';

declare global {
  interface Window {
    trainerBench: (o: TrainerBenchOptions) => Promise<TrainerBenchResult & { choice: BackendChoice }>;
    trainerBenchReady: Promise<BackendChoice>;
  }
}

const out = document.getElementById('out') as HTMLElement;
const params = new URLSearchParams(location.search);
const worker = Comlink.wrap<TrainerBenchWorker>(
  new Worker(new URL('./trainer-worker.ts', import.meta.url), { type: 'module', name: 'trainer-bench' }),
);
const threads = Number(params.get('threads')) || null;
window.trainerBenchReady = worker.init(params.get('backend') ?? 'wasm', threads);
window.trainerBench = async (o) => {
  const choice = await window.trainerBenchReady;
  out.textContent = `training on ${choice.name}...`;
  const r = await worker.run(o);
  out.textContent = JSON.stringify(r, null, 1);
  return { ...r, choice };
};
void window.trainerBenchReady.then((c) => (out.textContent = `backend ${c.name}: ${c.reason}`));
