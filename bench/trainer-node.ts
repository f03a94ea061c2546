/**
 * One candidate through the app's trainer in Node, in a process of its own so that each run starts a fresh backend:
 * `node --import tsx bench/trainer-node.ts '<TrainerBenchOptions JSON>' wasm|cpu`. Prints one JSON line
 * (TrainerBenchResult). Used by bench/sync-points.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { configureWasm } from '../src/ml/backend';
import { nodeWasmOptions } from '../cli/wasm';
import { benchTrainer, type TrainerBenchOptions } from './pages/trainer-core';

const options = JSON.parse(process.argv[2] ?? '{}') as TrainerBenchOptions;
const backend = process.argv[3] ?? 'wasm';
if (backend === 'wasm') configureWasm(undefined, await nodeWasmOptions(1));
if (!(await tf.setBackend(backend))) throw new Error(`${backend} backend failed to initialise`);
await tf.ready();
const result = await benchTrainer(options);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
