/**
 * Batch normalization in training as two wasm kernels, forward and backward, each two SIMD passes (simd.wat). The
 * layers API builds it from moments, a normalisation and the gradients of each (about 25 full-size passes with
 * transposes, tiles and broadcasts); src/ml/batch-norm.ts calls these through a custom gradient instead.
 *
 * Both work on x as [rows, C] with the channel last. For N = rows, x̂ = (x - mean) / sqrt(var + eps):
 *   forward   y = x̂ * scale + offset, mean and var over the rows (var biased, as tf.moments);
 *   backward  doffset = Σ dy, dscale = Σ dy * x̂, dx = scale / sqrt(var + eps) * (dy - doffset / N - x̂ * dscale / N),
 * the gradient through the batch statistics included. Sums run in float64.
 */
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { addressOf, heapBuffer, simdKernels, type SimdKernels } from './simd';
import { readFloats, WASM } from './wasm-ops';
import type { KernelArgs } from './wasm-ops';

/** Forward kernel: inputs x, scale, offset; attr varianceEpsilon; outputs y, mean, variance. */
export const BATCH_NORM_TRAIN = 'EvolabBatchNormTrain';
/** Backward kernel: inputs dy, x, scale, mean, variance; attr varianceEpsilon; outputs dx, dscale, doffset. */
export const BATCH_NORM_TRAIN_GRAD = 'EvolabBatchNormTrainGrad';

type Backend = KernelArgs['backend'];
type OutputMaker = { makeOutput(shape: number[], dtype: 'float32'): TensorInfo };

const output = (backend: Backend, shape: number[]): TensorInfo =>
  (backend as unknown as OutputMaker).makeOutput(shape, 'float32');

/** Per-channel float64 sums of x and of x * y over the rows, accumulated in scratch memory of the backend. */
function sums(
  backend: Backend,
  simd: SimdKernels,
  x: TensorInfo,
  y: TensorInfo,
  rows: number,
  c: number,
): [Float64Array, Float64Array] {
  const scratch = output(backend, [4 * c + 2]);
  try {
    const start = (addressOf(backend, scratch) + 7) & ~7;
    new Float64Array(heapBuffer(backend), start, 2 * c).fill(0);
    simd.colsum_dot(addressOf(backend, x), addressOf(backend, y), rows, c, start, start + 8 * c);
    const acc = new Float64Array(heapBuffer(backend), start, 2 * c);
    return [acc.slice(0, c), acc.slice(c)];
  } finally {
    backend.disposeData(scratch.dataId);
  }
}

/** Runs simd.channel_affine(2) with per-channel parameter vectors copied into scratch memory. */
function affine(backend: Backend, params: Float32Array[], run: (p: number) => void): void {
  const c = params[0]?.length ?? 0;
  const scratch = output(backend, [params.length * c]);
  try {
    const p = addressOf(backend, scratch);
    const view = new Float32Array(heapBuffer(backend), p, params.length * c);
    params.forEach((v, i) => view.set(v, i * c));
    run(p);
  } finally {
    backend.disposeData(scratch.dataId);
  }
}

function shapeOf(x: TensorInfo): { rows: number; c: number } {
  const c = x.shape[x.shape.length - 1] ?? 1;
  return { rows: util.sizeFromShape(x.shape) / c, c };
}

function simdOf(backend: Backend, name: string): SimdKernels {
  const simd = simdKernels(backend);
  if (simd === null) throw new Error(`${name} needs Evolab's SIMD kernels`);
  return simd;
}

function batchNormTrain({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const { x, scale, offset } = inputs;
  if (x === undefined || scale === undefined || offset === undefined)
    throw new Error(`${BATCH_NORM_TRAIN} needs x, scale and offset`);
  const eps = (attrs as { varianceEpsilon: number }).varianceEpsilon;
  const simd = simdOf(backend, BATCH_NORM_TRAIN);
  const { rows, c } = shapeOf(x);
  const [sx, sxx] = sums(backend, simd, x, x, rows, c);
  const gamma = readFloats(backend, scale);
  const beta = readFloats(backend, offset);
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  const mul = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const m = (sx[i] ?? 0) / rows;
    const v = Math.max(0, (sxx[i] ?? 0) / rows - m * m);
    mean[i] = m;
    variance[i] = v;
    mul[i] = (gamma[i] ?? 1) / Math.sqrt(v + eps);
  }
  const y = output(backend, x.shape.slice());
  affine(backend, [mean, mul, beta], (p) =>
    simd.channel_affine(addressOf(backend, x), rows, c, p, addressOf(backend, y)),
  );
  const meanOut = output(backend, [c]);
  const varOut = output(backend, [c]);
  new Float32Array(heapBuffer(backend), addressOf(backend, meanOut), c).set(mean);
  new Float32Array(heapBuffer(backend), addressOf(backend, varOut), c).set(variance);
  return [y, meanOut, varOut];
}

function batchNormTrainGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const { dy, x, scale, mean, variance } = inputs;
  if (dy === undefined || x === undefined || scale === undefined || mean === undefined || variance === undefined) {
    throw new Error(`${BATCH_NORM_TRAIN_GRAD} needs dy, x, scale, mean and variance`);
  }
  const eps = (attrs as { varianceEpsilon: number }).varianceEpsilon;
  const simd = simdOf(backend, BATCH_NORM_TRAIN_GRAD);
  const { rows, c } = shapeOf(x);
  const [sdy, sdyx] = sums(backend, simd, dy, x, rows, c);
  const gamma = readFloats(backend, scale);
  const mu = readFloats(backend, mean);
  const vr = readFloats(backend, variance);
  const dscale = new Float32Array(c);
  const doffset = new Float32Array(c);
  const k1 = new Float32Array(c);
  const k2 = new Float32Array(c);
  const k3 = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const inv = 1 / Math.sqrt((vr[i] ?? 0) + eps);
    const g = gamma[i] ?? 1;
    const db = sdy[i] ?? 0;
    // Σ dy * x̂ = inv * (Σ dy * x - mean * Σ dy)
    const dg = inv * ((sdyx[i] ?? 0) - (mu[i] ?? 0) * db);
    dscale[i] = dg;
    doffset[i] = db;
    k1[i] = g * inv;
    k2[i] = (-g * inv * inv * dg) / rows;
    k3[i] = (-g * inv * db) / rows;
  }
  const dx = output(backend, x.shape.slice());
  // dx = (x - mean) * k2 + k3 + dy * k1
  affine(backend, [mu, k2, k3, k1], (p) =>
    simd.channel_affine2(addressOf(backend, x), addressOf(backend, dy), rows, c, p, addressOf(backend, dx)),
  );
  const dscaleOut = output(backend, [c]);
  const doffsetOut = output(backend, [c]);
  new Float32Array(heapBuffer(backend), addressOf(backend, dscaleOut), c).set(dscale);
  new Float32Array(heapBuffer(backend), addressOf(backend, doffsetOut), c).set(doffset);
  return [dx, dscaleOut, doffsetOut];
}

/** The two kernels, for the wasm backend. */
export const BATCH_NORM_KERNELS: KernelConfig[] = [
  { kernelName: BATCH_NORM_TRAIN, backendName: WASM, kernelFunc: batchNormTrain as unknown as KernelFunc },
  { kernelName: BATCH_NORM_TRAIN_GRAD, backendName: WASM, kernelFunc: batchNormTrainGrad as unknown as KernelFunc },
];
