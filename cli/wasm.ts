/** The wasm backend in Node (the CLI, benchmarks and tests): files from node_modules, threads through worker_threads. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ThreadedWasmHost } from '../src/ml/wasm-threads';

const require = createRequire(import.meta.url);

/** Where the threaded build's script, pthread worker and binary are in this checkout. */
export function nodeThreadedWasm(): ThreadedWasmHost {
  const binary = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.wasm');
  return {
    script: require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js'),
    worker: fileURLToPath(new URL('./wasm-pthread.mjs', import.meta.url)),
    binary: async () => new Uint8Array(await readFile(binary)),
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
  };
}
