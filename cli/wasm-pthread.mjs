// The pthread worker of tfjs-backend-wasm's threaded build for Node's worker_threads. tfjs ships it only as a string
// (browsers start it from a Blob) written for a CommonJS scope, so it gets `require` and `__filename` as globals. Its
// literal "\n" escapes arrive as real newlines: they are escaped back first, as tfjs does before making its Blob.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
Object.assign(globalThis, { require, __filename: fileURLToPath(import.meta.url) });
const {
  wasmWorkerContents,
} = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
(0, eval)(wasmWorkerContents.replace(/\n/g, '\\n'));
