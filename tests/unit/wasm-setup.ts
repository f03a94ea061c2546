/** Initialises the wasm backend in Node with the training kernels, for unit tests. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/ml/kernels';

/** Switches tfjs to wasm (SIMD build from node_modules) with our added kernels. */
export async function useWasm(): Promise<void> {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
}
