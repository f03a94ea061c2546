/** tfjs-backend-wasm ships its pthread worker as a string in this module, without type declarations. */
declare module '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js' {
  /** The pthread worker's source; its literal "\n" escapes arrive as real newlines. */
  export const wasmWorkerContents: string;
}

/** Evolab's SIMD kernels, compiled by the Vite build (vite.config.ts) from the .wat source. */
declare module '*.wat' {
  // The shape of SimdKernelBinaries (src/ml/kernels/simd.ts); an ambient module cannot import a relative path.
  const binaries: { readonly plain: Uint8Array<ArrayBuffer>; readonly shared: Uint8Array<ArrayBuffer> };
  export default binaries;
}
