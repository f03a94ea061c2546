/**
 * BatchMatMul for wasm: the stock kernel runs XNNPACK only for untransposed operands and otherwise a scalar loop, and a
 * dense layer's gradients are both transposed products (dy·Wᵀ and xᵀ·dy). Here a transposed product of single
 * matrices becomes an untransposed one after transposing whichever operands are cheapest to move: C = A·Bᵀ can also be
 * computed as Cᵀ = B·Aᵀ, so for dy·Wᵀ only dy and the small result are moved, not the large weight matrix.
 */
import type { BatchMatMulAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { release, runWasm } from './wasm-ops';
import type { KernelArgs } from './wasm-ops';

const size = (t: TensorInfo): number => t.shape.reduce((a, b) => a * b, 1);

/** Builds the kernel around the stock wasm one, which does every untransposed product and all batched ones. */
export function makeBatchMatMul(original: KernelFunc): (args: KernelArgs) => TensorInfo {
  const plain = (backend: KernelArgs['backend'], a: TensorInfo, b: TensorInfo): TensorInfo =>
    first(original({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }));
  const t = (backend: KernelArgs['backend'], x: TensorInfo): TensorInfo =>
    runWasm('Transpose', backend, { x }, { perm: [0, 2, 1] });
  const as3d = (backend: KernelArgs['backend'], x: TensorInfo): TensorInfo =>
    runWasm('Reshape', backend, { x }, { shape: [1, ...x.shape.slice(-2)] });
  return (args) => {
    const { a, b } = args.inputs;
    if (a === undefined || b === undefined) throw new Error('BatchMatMul needs a and b');
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const single = batch(a) === 1 && batch(b) === 1;
    if ((!transposeA && !transposeB) || !single || a.dtype !== 'float32' || b.dtype !== 'float32')
      return first(original(args));
    const backend = args.backend;
    const a3 = as3d(backend, a);
    const b3 = as3d(backend, b);
    const m = transposeA ? (a3.shape[2] ?? 0) : (a3.shape[1] ?? 0);
    const n = transposeB ? (b3.shape[1] ?? 0) : (b3.shape[2] ?? 0);
    // Work of each way in moved or packed elements (XNNPACK packs its right operand on every call).
    const direct = (transposeA ? size(a) : 0) + size(b) * (transposeB ? 2 : 1);
    const swapped = (transposeB ? 0 : size(b)) + size(a) * (transposeA ? 1 : 2) + m * n;
    let out3: TensorInfo;
    if (direct <= swapped) {
      const left = transposeA ? t(backend, a3) : a3;
      const right = transposeB ? t(backend, b3) : b3;
      out3 = plain(backend, left, right);
      if (left !== a3) release(backend, left);
      if (right !== b3) release(backend, right);
    } else {
      // Cᵀ = op(B)ᵀ·op(A)ᵀ: op(B)ᵀ is B itself when B was to be transposed, and op(A)ᵀ is A when A was.
      const left = transposeB ? b3 : t(backend, b3);
      const right = transposeA ? a3 : t(backend, a3);
      const ct = plain(backend, left, right);
      if (left !== b3) release(backend, left);
      if (right !== a3) release(backend, right);
      out3 = t(backend, ct);
      release(backend, ct);
    }
    release(backend, a3, b3);
    const outShape = [...(a.shape.length >= b.shape.length ? a.shape : b.shape).slice(0, -2), m, n];
    const out = runWasm('Reshape', backend, { x: out3 }, { shape: outShape });
    release(backend, out3);
    return out;
  };
}

/** Product of the batch dimensions (all but the last two). */
function batch(x: TensorInfo): number {
  return x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

function first(out: TensorInfo | TensorInfo[]): TensorInfo {
  const info = Array.isArray(out) ? out[0] : out;
  if (info === undefined) throw new Error('BatchMatMul returned nothing');
  return info;
}
