/** Conv2DBackpropInput for wasm: stride 1 as an XNNPACK forward convolution, else the stock kernel. */
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { release, runWasm } from './wasm-ops';
import type { KernelArgs } from './wasm-ops';

type Shape4 = [number, number, number, number];

/** Builds the kernel around the stock wasm one, which stays the path for strides above 1. */
export function makeConv2DBackpropInput(original: KernelFunc): (args: KernelArgs) => TensorInfo {
  return (args) => {
    const fast = viaForwardConv(args);
    if (fast !== null) return fast;
    const out = original(args);
    const info = Array.isArray(out) ? out[0] : out;
    if (info === undefined) throw new Error('Conv2DBackpropInput returned nothing');
    return info;
  };
}

/** dx = dy convolved with the filter flipped spatially and with in/out channels swapped, padded by (f-1-pad). */
function viaForwardConv({ inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const { dy, filter } = inputs;
  if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs dy and filter');
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  const dataFormat = backend_util.convertConv2DDataFormat(a.dataFormat);
  if (dataFormat !== 'channelsLast' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as Shape4,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    dataFormat,
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1) return null;
  const { filterHeight: fh, filterWidth: fw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const pads = [fh - 1 - top, fh - 1 - bottom, fw - 1 - left, fw - 1 - right];
  if (pads.some((p) => p < 0)) return null;
  const [pt = 0, pb = 0, pl = 0, pr = 0] = pads;
  const flipped = runWasm('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const swapped = runWasm('Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] });
  release(backend, flipped);
  const dx = runWasm(
    'Conv2D',
    backend,
    { x: dy, filter: swapped },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [pt, pb],
        [pl, pr],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  release(backend, swapped);
  if (dx.shape.some((d, i) => d !== a.inputShape[i])) {
    release(backend, dx);
    return null;
  }
  return dx;
}
