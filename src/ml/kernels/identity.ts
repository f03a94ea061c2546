/**
 * Identity (tensor.clone) and same-dtype Cast for wasm as a shared reference, as the cpu backend does. The stock wasm
 * kernels copy the whole tensor, and training clones often: every tensor a custom gradient saves (our batch norm, the
 * fused convolutions) is cloned. Sharing is safe because no wasm kernel writes into its inputs.
 */
import type { CastAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { KernelArgs } from './wasm-ops';

type RefCounted = { incRef(dataId: object): void };

function share({ inputs, backend }: KernelArgs): TensorInfo | null {
  const { x } = inputs;
  if (x === undefined) throw new Error('Identity needs x');
  if (x.dtype === 'string') return null;
  (backend as unknown as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

function orStock(original: KernelFunc, args: KernelArgs, name: string): TensorInfo {
  const out = original(args);
  const info = Array.isArray(out) ? out[0] : out;
  if (info === undefined) throw new Error(`${name} returned nothing`);
  return info;
}

/** Identity sharing its input's data; strings take the stock kernel. */
export function makeIdentity(original: KernelFunc): (args: KernelArgs) => TensorInfo {
  return (args) => share(args) ?? orStock(original, args, 'Identity');
}

/** Cast that shares its input when the dtype does not change; real conversions take the stock kernel. */
export function makeCast(original: KernelFunc): (args: KernelArgs) => TensorInfo {
  return (args) => {
    const { dtype } = args.attrs as unknown as CastAttrs;
    const same = args.inputs.x !== undefined && args.inputs.x.dtype === dtype ? share(args) : null;
    return same ?? orStock(original, args, 'Cast');
  };
}
