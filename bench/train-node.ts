/**
 * One training-throughput measurement on the wasm backend in Node, in a process of its own so that each thread count
 * starts a fresh backend: `node --import tsx bench/train-node.ts '<TrainBenchOptions JSON>' THREADS`. Prints one JSON
 * line (TrainBenchResult plus the threads that ran). Used by bench/training.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { configureWasm } from '../src/ml/backend';
import { wasmThreadCount } from '../src/ml/wasm-threads';
import { nodeWasmOptions } from '../cli/wasm';
import { benchTraining, type TrainBenchOptions } from './pages/train-core';

const options = JSON.parse(process.argv[2] ?? '{}') as TrainBenchOptions;
const threads = Number(process.argv[3] ?? 1);
configureWasm(undefined, await nodeWasmOptions(threads));
if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
await tf.ready();
const result = await benchTraining(options);
process.stdout.write(`${JSON.stringify({ ...result, threads: wasmThreadCount() })}\n`);
// The pthread workers would keep the process alive.
process.exit(0);
