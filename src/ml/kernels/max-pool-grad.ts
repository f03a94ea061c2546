/**
 * MaxPoolGrad for wasm with the cpu backend's tie-breaking. The stock wasm kernel is a slow scalar loop that also sends
 * the gradient of a window with tied maxima elsewhere than the cpu backend does; ReLU makes such ties common (a window
 * of zeros), so training on wasm drifted away from cpu. 2x2 pools with stride 2 over even sizes, the only pools our
 * networks have, run as one SIMD pass (simd.wat); every other pool takes a direct port of the cpu kernel.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { addressOf, simdKernels } from './simd';
import { readFloats, writeFloats } from './wasm-ops';
import type { KernelArgs } from './wasm-ops';

type Shape4 = [number, number, number, number];
type PoolInfo = ReturnType<typeof backend_util.computePool2DInfo>;
type OutputMaker = { makeOutput(shape: number[], dtype: 'float32'): TensorInfo };

/** dx for the pool's input: dy of each window goes to its first maximum in row-major order. */
export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, input } = inputs;
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad needs dy and input');
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const simd = isHalvingPool(info) && input.dtype === 'float32' && dy.dtype === 'float32' ? simdKernels(backend) : null;
  if (simd === null) return viaLoops(info, input, dy, backend);
  const dx = (backend as unknown as OutputMaker).makeOutput(input.shape, 'float32');
  simd.maxpool_grad_2x2(
    addressOf(backend, input),
    addressOf(backend, dy),
    addressOf(backend, dx),
    info.batchSize * info.outHeight,
    info.outWidth,
    info.inChannels,
  );
  return dx;
}

/** 2x2 windows, stride 2, no padding, even sizes: every input element lies in exactly one window. */
export function isHalvingPool(info: PoolInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return (
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    top === 0 &&
    bottom === 0 &&
    left === 0 &&
    right === 0 &&
    info.inHeight === 2 * info.outHeight &&
    info.inWidth === 2 * info.outWidth
  );
}

/** The cpu backend's algorithm (maxPoolPositions, then each window's dy to its recorded position), for any pool. */
function viaLoops(info: PoolInfo, input: TensorInfo, dy: TensorInfo, backend: KernelArgs['backend']): TensorInfo {
  const x = readFloats(backend, input);
  const g = readFloats(backend, dy);
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < outHeight; yr++) {
      const r0 = yr * strideHeight - info.padInfo.top;
      for (let yc = 0; yc < outWidth; yc++) {
        const c0 = yc * strideWidth - info.padInfo.left;
        for (let d = 0; d < ch; d++) {
          // Strictly greater keeps the first maximum; a window of -Infinity or NaN has none and passes nothing on.
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let wr = 0; wr < effectiveFilterHeight; wr += dilationHeight) {
            const xr = r0 + wr;
            if (xr < 0 || xr >= inHeight) continue;
            for (let wc = 0; wc < effectiveFilterWidth; wc += dilationWidth) {
              const xc = c0 + wc;
              if (xc < 0 || xc >= inWidth) continue;
              const i = ((b * inHeight + xr) * inWidth + xc) * ch + d;
              const v = x[i] ?? Number.NaN;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = (dx[at] ?? 0) + (g[((b * outHeight + yr) * outWidth + yc) * ch + d] ?? 0);
        }
      }
    }
  }
  return writeFloats(backend, dx, input.shape.slice());
}
