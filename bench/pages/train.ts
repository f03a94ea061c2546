/// <reference types="vite/client" />
/// <reference types="@webgpu/types" />
/** Training-throughput page: `?backend=wasm|webgl|webgpu|cpu`; bench/training.ts calls `window.trainBench(options)`. */
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { chooseBackend, configureWasm, isBackendName, type BackendChoice } from '../../src/ml/backend';
import { benchTraining, type TrainBenchOptions, type TrainBenchResult } from './train-core';

declare global {
  interface Window {
    trainBench: (o: TrainBenchOptions) => Promise<TrainBenchResult & { choice: BackendChoice }>;
    trainBenchReady: Promise<BackendChoice>;
  }
}

const out = document.getElementById('out') as HTMLElement;
const requested = new URLSearchParams(location.search).get('backend') ?? 'wasm';
configureWasm({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});
window.trainBenchReady = chooseBackend(isBackendName(requested) ? requested : 'wasm');
window.trainBench = async (o) => {
  const choice = await window.trainBenchReady;
  out.textContent = `training on ${choice.name}...`;
  const r = await benchTraining(o);
  out.textContent = JSON.stringify(r, null, 1);
  return { ...r, choice };
};
void window.trainBenchReady.then((c) => (out.textContent = `backend ${c.name}: ${c.reason}`));
