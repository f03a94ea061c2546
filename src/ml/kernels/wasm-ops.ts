/** Helpers to compose wasm kernels on raw TensorInfo inside other kernels, outside the engine's bookkeeping. */
import { getKernel } from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/** The kernel function signature tfjs passes to kernels, with the backend typed. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}

/** Backend every kernel here targets. */
export const WASM = 'wasm';

/** Runs the currently registered wasm kernel `name`; looked up per call so our own overrides compose. */
export function runWasm(
  name: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = getKernel(name, WASM);
  if (config === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  const info = Array.isArray(out) ? out[0] : out;
  if (info === undefined) throw new Error(`wasm kernel ${name} returned nothing`);
  return info;
}

/** Frees intermediates: the engine never sees them, so nothing else would. */
export function release(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Reads a float32 tensor's values from the backend. */
export function readFloats(backend: KernelBackend, info: TensorInfo): Float32Array {
  const values = backend.readSync(info.dataId);
  return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
}

/** Wraps values computed in JS as a backend tensor that the caller owns. */
export function writeFloats(backend: KernelBackend, values: Float32Array, shape: number[]): TensorInfo {
  const dataId = backend.write(values, shape, 'float32');
  return { dataId, shape, dtype: 'float32' };
}
