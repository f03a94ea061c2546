/// <reference types="vite/client" />
/** The wasm backend's files in the browser, all served from the app's own assets (bundled by Vite). */
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import threadedScriptUrl from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { wasmWorkerContents } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js';
import kernels from './kernels/simd.wat';
import type { WasmOptions, WasmPaths } from './backend';
import type { ThreadedWasmHost } from './wasm-threads';

/** The three binaries by the names setWasmPaths expects. */
export const WASM_PATHS: WasmPaths = {
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
};

/** configureWasm's options in a page or worker: threads (`threads`, or this machine's default) and the SIMD kernels. */
export function browserWasmOptions(threads: number | null | undefined): WasmOptions {
  return { threaded: browserThreadedWasm(), threads: threads ?? 'auto', kernels };
}

/** The threaded build for this page or worker: the unminified Emscripten script as an asset, so pthreads can load it. */
export function browserThreadedWasm(): ThreadedWasmHost {
  // The same escaping as tfjs's own loader: the source's "\n" escapes must stay escapes inside the Blob.
  const worker = URL.createObjectURL(new Blob([wasmWorkerContents.replace(/\n/g, '\\n')], { type: 'text/javascript' }));
  return {
    script: new URL(threadedScriptUrl, self.location.href).href,
    worker,
    binary: async () => {
      const response = await fetch(wasmThreadedUrl);
      if (!response.ok) throw new Error(`${wasmThreadedUrl}: HTTP ${response.status}`);
      return response.arrayBuffer();
    },
    cores: self.navigator.hardwareConcurrency || 1,
  };
}
