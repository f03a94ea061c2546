/** tfjs-backend-wasm ships its pthread worker as a string in this module, without type declarations. */
declare module '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js' {
  /** The pthread worker's source; its literal "\n" escapes arrive as real newlines. */
  export const wasmWorkerContents: string;
}
