/** Conv2DBackpropFilter for wasm, which tfjs-backend-wasm 4.22 lacks. */
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, TensorInfo } from '@tensorflow/tfjs';
import { readFloats, release, runWasm, writeFloats } from './wasm-ops';
import type { KernelArgs } from './wasm-ops';

type Shape4 = [number, number, number, number];
type ConvInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

/** dW for x [b,h,w,ci] and dy [b,oh,ow,co]; stride 1 runs as one XNNPACK forward convolution. */
export function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs x and dy');
  const a = attrs as unknown as Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };
  const dataFormat = backend_util.convertConv2DDataFormat(a.dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    a.filterShape,
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    dataFormat,
  );
  const fast =
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    dataFormat === 'channelsLast' &&
    x.dtype === 'float32' &&
    dy.dtype === 'float32';
  if (fast) {
    const out =
      info.filterHeight * info.filterWidth * info.inChannels <= MAX_PATCH
        ? viaPatches(info, x, dy, backend)
        : viaForwardConv(info, x, dy, backend);
    if (out !== null) return out;
  }
  // Stride > 1 must never take the wasm Conv3DBackpropFilterV2 route: tfjs-backend-wasm 4.22 computes it wrongly there (error ~1.9 against cpu).
  return viaLoops(info, x, dy, backend);
}

/**
 * Largest patch (fh * fw * ci) taken by viaPatches. Gathering patches with an identity filter costs a patch-sized
 * product per pixel, the gradient product one of patch by output channels: for small patches (a first layer, or 2
 * input channels before 256 output channels) that beats viaForwardConv, whose inner product dimension (every pixel of
 * the batch) leaves XNNPACK streaming dy from memory once per handful of output rows (measured 5x at 3x3x2 -> 256).
 */
const MAX_PATCH = 32;

/**
 * dW as one matrix product: P = the fh x fw x ci patch around every output pixel (gathered by XNNPACK as a
 * convolution with a one-hot filter, padded like the forward pass), then dW = Pᵀ · dy over all pixels of the batch.
 */
function viaPatches(info: ConvInfo, x: TensorInfo, dy: TensorInfo, backend: KernelArgs['backend']): TensorInfo | null {
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
  const { top, bottom, left, right } = info.padInfo;
  const k = fh * fw * ci;
  const eye = new Float32Array(k * k);
  for (let i = 0; i < k; i++) eye[i * k + i] = 1;
  const filter = writeFloats(backend, eye, [fh, fw, ci, k]);
  const patches = runWasm(
    'Conv2D',
    backend,
    { x, filter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  release(backend, filter);
  const pixels = patches.shape.slice(0, 3).reduce((a, b) => a * b, 1);
  if (patches.shape.slice(0, 3).some((d, i) => d !== dy.shape[i])) {
    release(backend, patches);
    return null;
  }
  const p2 = runWasm('Reshape', backend, { x: patches }, { shape: [pixels, k] });
  const dy2 = runWasm('Reshape', backend, { x: dy }, { shape: [pixels, co] });
  const dw = runWasm('BatchMatMul', backend, { a: p2, b: dy2 }, { transposeA: true, transposeB: false });
  release(backend, patches, p2, dy2);
  const out = runWasm('Reshape', backend, { x: dw }, { shape: [fh, fw, ci, co] });
  release(backend, dw);
  return out;
}

/**
 * dW[fh,fw,ci,co] = sum_{b,y,x} xpad[b,y+fh,x+fw,ci] * dy[b,y,x,co] is a forward convolution of
 * ci images [h,w,b] with the "filter" dy as [oh,ow,b,co], padded like the forward pass.
 */
function viaForwardConv(
  info: ConvInfo,
  x: TensorInfo,
  dy: TensorInfo,
  backend: KernelArgs['backend'],
): TensorInfo | null {
  const { top, bottom, left, right } = info.padInfo;
  const images = runWasm('Transpose', backend, { x }, { perm: [3, 1, 2, 0] });
  const filter = runWasm('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const conv = runWasm(
    'Conv2D',
    backend,
    { x: images, filter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  release(backend, images, filter);
  const [ci, fh, fw, co] = conv.shape;
  if (ci !== info.inChannels || fh !== info.filterHeight || fw !== info.filterWidth || co !== info.outChannels) {
    release(backend, conv);
    return null;
  }
  const out = runWasm('Transpose', backend, { x: conv }, { perm: [1, 2, 0, 3] });
  release(backend, conv);
  return out;
}

/** Direct sum for any stride, dilation and layout; slow but only reached by shapes our networks never use. */
function viaLoops(info: ConvInfo, x: TensorInfo, dy: TensorInfo, backend: KernelArgs['backend']): TensorInfo {
  const xv = readFloats(backend, x);
  const dyv = readFloats(backend, dy);
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padInfo,
  } = info;
  const last = info.dataFormat === 'channelsLast';
  // Element strides of (batch, row, col, channel) in each layout.
  const xs = last
    ? [inHeight * inWidth * inChannels, inWidth * inChannels, inChannels, 1]
    : [inChannels * inHeight * inWidth, inWidth, 1, inHeight * inWidth];
  const ys = last
    ? [outHeight * outWidth * outChannels, outWidth * outChannels, outChannels, 1]
    : [outChannels * outHeight * outWidth, outWidth, 1, outHeight * outWidth];
  const [xsb = 0, xsr = 0, xsc = 0, xsch = 0] = xs;
  const [ysb = 0, ysr = 0, ysc = 0, ysch = 0] = ys;
  const dw = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let fr = 0; fr < filterHeight; fr++) {
    for (let fc = 0; fc < filterWidth; fc++) {
      const wBase = (fr * filterWidth + fc) * inChannels * outChannels;
      for (let b = 0; b < batchSize; b++) {
        for (let yr = 0; yr < outHeight; yr++) {
          const xr = yr * strideHeight + fr * dilationHeight - padInfo.top;
          if (xr < 0 || xr >= inHeight) continue;
          for (let yc = 0; yc < outWidth; yc++) {
            const xc = yc * strideWidth + fc * dilationWidth - padInfo.left;
            if (xc < 0 || xc >= inWidth) continue;
            const xBase = b * xsb + xr * xsr + xc * xsc;
            const yBase = b * ysb + yr * ysr + yc * ysc;
            for (let ci = 0; ci < inChannels; ci++) {
              const xval = xv[xBase + ci * xsch] ?? 0;
              if (xval === 0) continue;
              const row = wBase + ci * outChannels;
              for (let co = 0; co < outChannels; co++) {
                dw[row + co] = (dw[row + co] ?? 0) + xval * (dyv[yBase + co * ysch] ?? 0);
              }
            }
          }
        }
      }
    }
  }
  return writeFloats(backend, dw, [filterHeight, filterWidth, inChannels, outChannels]);
}
