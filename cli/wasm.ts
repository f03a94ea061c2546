/** The wasm backend in Node (the CLI, benchmarks and tests): files from node_modules, threads through worker_threads. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { WasmOptions } from '../src/ml/backend';
import type { ThreadedWasmHost } from '../src/ml/wasm-threads';
import { compileSimdKernels } from '../scripts/wat';

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

/** configureWasm's options in Node: threads (`threads`, or this machine's default) and the SIMD kernels. */
export async function nodeWasmOptions(threads: number | 'auto' = 'auto'): Promise<WasmOptions> {
  return { threaded: nodeThreadedWasm(), threads, kernels: await compileSimdKernels() };
}
