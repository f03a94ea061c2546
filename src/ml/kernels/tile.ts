/** Tile for wasm as zeros plus a broadcasting add; the stock kernel is a slow scalar loop. */
import type { KernelFunc, TensorInfo, TileAttrs } from '@tensorflow/tfjs';
import { release, runWasm } from './wasm-ops';
import type { KernelArgs } from './wasm-ops';

// XNNPACK's broadcasting binary ops take at most 6 dimensions.
const MAX_BROADCAST_RANK = 6;

/** Builds the kernel around the stock wasm one, kept for non-float data and patterns too deep to broadcast. */
export function makeTile(original: KernelFunc): (args: KernelArgs) => TensorInfo {
  return (args) => {
    const fast = viaBroadcast(args);
    if (fast !== null) return fast;
    const out = original(args);
    const info = Array.isArray(out) ? out[0] : out;
    if (info === undefined) throw new Error('Tile returned nothing');
    return info;
  };
}

/**
 * Any tile is a broadcast: x reshaped with a size-1 axis before each repeated axis, broadcast to
 * [rep, size] pairs. Adjacent axes of the same kind merge, which keeps the rank small.
 */
export function broadcastPlan(shape: readonly number[], reps: readonly number[]): { from: number[]; to: number[] } {
  const from: number[] = [];
  const to: number[] = [];
  const push = (f: number, t: number): void => {
    const n = from.length - 1;
    const pf = from[n];
    const pt = to[n];
    if (pf !== undefined && pt !== undefined && ((pf === pt && f === t) || (pf === 1 && f === 1))) {
      from[n] = pf * f;
      to[n] = pt * t;
    } else {
      from.push(f);
      to.push(t);
    }
  };
  shape.forEach((size, i) => {
    const rep = reps[i] ?? 1;
    if (rep !== 1) push(1, rep);
    if (size !== 1) push(size, size);
  });
  if (from.length === 0) {
    from.push(1);
    to.push(1);
  }
  return { from, to };
}

function viaBroadcast({ inputs, backend, attrs }: KernelArgs): TensorInfo | null {
  const { x } = inputs;
  if (x === undefined) throw new Error('Tile needs x');
  const { reps } = attrs as unknown as TileAttrs;
  if (x.dtype !== 'float32' || reps.length !== x.shape.length) return null;
  const outShape = x.shape.map((s, i) => s * (reps[i] ?? 1));
  if (outShape.some((s) => s === 0)) return null;
  const { from, to } = broadcastPlan(x.shape, reps);
  if (to.length > MAX_BROADCAST_RANK) return null;
  const zeros = runWasm('Fill', backend, {}, { shape: to, value: 0, dtype: 'float32' });
  const xr = runWasm('Reshape', backend, { x }, { shape: from });
  const sum = runWasm('Add', backend, { a: zeros, b: xr });
  release(backend, zeros, xr);
  const out = runWasm('Reshape', backend, { x: sum }, { shape: outShape });
  release(backend, sum);
  return out;
}
