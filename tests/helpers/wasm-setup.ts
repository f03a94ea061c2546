/** Initialises the wasm backend in Node with the training kernels, for unit tests. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { configureWasm } from '../../src/ml/backend';
import { nodeWasmOptions } from '../../cli/wasm';

/** Switches tfjs to wasm (single-threaded SIMD build from node_modules) with our added kernels. */
export async function useWasm(): Promise<void> {
  configureWasm(undefined, await nodeWasmOptions(1));
  await tf.setBackend('wasm');
  await tf.ready();
}
