/**
 * Sum and Mean over every axis but the last (per-channel totals of NHWC tensors: bias and batch-norm gradients) as one
 * SIMD pass with float64 accumulators. The stock kernels first transpose the tensor so the reduced axes come last.
 */
import { util } from '@tensorflow/tfjs';
import type { KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import { addressOf, heapBuffer, simdKernels } from './simd';
import type { KernelArgs } from './wasm-ops';

type OutputMaker = { makeOutput(shape: number[], dtype: 'float32'): TensorInfo };

/** True when `axis` names every axis of a rank-`rank` tensor except the last one. */
export function reducesLeadingAxes(axis: number | number[], rank: number): boolean {
  if (rank < 2) return false;
  const axes = new Set(util.parseAxisParam(axis, new Array<number>(rank).fill(1)));
  if (axes.size !== rank - 1) return false;
  for (let i = 0; i < rank - 1; i++) if (!axes.has(i)) return false;
  return true;
}

/**
 * Per-channel sums of x ([..., C] as [rows, C]) in float64, or null when the SIMD kernels are not available.
 * The accumulators live in the backend's memory for the duration of the call.
 */
export function channelSums(backend: KernelArgs['backend'], x: TensorInfo): Float64Array | null {
  const simd = simdKernels(backend);
  if (simd === null) return null;
  const c = x.shape[x.shape.length - 1] ?? 1;
  const rows = util.sizeFromShape(x.shape) / c;
  // One spare float64 so that the accumulators can start on an 8-byte boundary whatever malloc returned.
  const acc = (backend as unknown as OutputMaker).makeOutput([2 * c + 2], 'float32');
  try {
    const start = (addressOf(backend, acc) + 7) & ~7;
    new Float64Array(heapBuffer(backend), start, c).fill(0);
    simd.colsum(addressOf(backend, x), rows, c, start);
    return new Float64Array(heapBuffer(backend), start, c).slice();
  } finally {
    backend.disposeData(acc.dataId);
  }
}

function makeReduce(original: KernelFunc, mean: boolean): (args: KernelArgs) => TensorInfo {
  return (args) => {
    const { x } = args.inputs;
    if (x === undefined) throw new Error(`${mean ? 'Mean' : 'Sum'} needs x`);
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    if (x.dtype === 'float32' && reducesLeadingAxes(axis, x.shape.length) && util.sizeFromShape(x.shape) > 0) {
      const sums = channelSums(args.backend, x);
      if (sums !== null) {
        const c = sums.length;
        const rows = util.sizeFromShape(x.shape) / c;
        const shape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), c] : [c];
        const out = (args.backend as unknown as OutputMaker).makeOutput(shape, 'float32');
        const values = new Float32Array(heapBuffer(args.backend), addressOf(args.backend, out), c);
        for (let i = 0; i < c; i++) values[i] = mean ? (sums[i] ?? 0) / rows : (sums[i] ?? 0);
        return out;
      }
    }
    const out = original(args);
    const info = Array.isArray(out) ? out[0] : out;
    if (info === undefined) throw new Error(`${mean ? 'Mean' : 'Sum'} returned nothing`);
    return info;
  };
}

/** Sum with a fast path for per-channel totals; everything else runs the stock kernel. */
export const makeSum = (original: KernelFunc): ((args: KernelArgs) => TensorInfo) => makeReduce(original, false);

/** Mean with a fast path for per-channel means; everything else runs the stock kernel. */
export const makeMean = (original: KernelFunc): ((args: KernelArgs) => TensorInfo) => makeReduce(original, true);
