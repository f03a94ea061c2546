import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { configureWasm, defaultWasmThreads } from '../../../src/ml/backend';
import { wasmPthreadWorkers, wasmThreadCount } from '../../../src/ml/wasm-threads';
import { batchNormalization } from '../../../src/ml/batch-norm';
import { simdKernels } from '../../../src/ml/kernels/simd';
import { nodeWasmOptions } from '../../../cli/wasm';

/** Deterministic values in [-1, 1), so cpu and wasm see the same data. */
function lcg(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

// Large enough that XNNPACK splits its convolutions across the threads.
const SIDE = 24;

function buildModel(): tf.LayersModel {
  const model = tf.sequential();
  [8, 16].forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [SIDE, SIDE, 1] } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
    );
    // The model's own batch norm: on wasm its SIMD kernels then run on the threaded build's shared memory.
    model.add(batchNormalization());
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  return model;
}

async function train(
  backend: 'cpu' | 'wasm',
  weights: { values: Float32Array; shape: number[] }[],
): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await tf.setBackend(backend);
  const model = buildModel();
  model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
  const xs = tf.tensor4d(lcg(16 * SIDE * SIDE, 3), [16, SIDE, SIDE, 1]);
  const ys = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 16 }, (_, i) => i % 4),
      'int32',
    ),
    4,
  );
  // Plain SGD: its update is linear in the gradient, so float-level differences stay float-level (Adam's need not).
  const opt = tf.train.sgd(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 4; step++) {
    const cost = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor).asScalar(),
      true,
    );
    losses.push(cost?.dataSync()[0] ?? NaN);
    cost?.dispose();
  }
  const trained = model.getWeights().map((w) => w.dataSync() as Float32Array);
  opt.dispose();
  tf.dispose([xs, ys]);
  model.dispose();
  return { losses, weights: trained };
}

describe('the threaded wasm backend in Node', () => {
  beforeAll(async () => {
    configureWasm(undefined, await nodeWasmOptions(2));
    expect(await tf.setBackend('wasm')).toBe(true);
    await tf.ready();
  });

  it('runs XNNPACK with 2 threads, the second one a pthread worker, and our SIMD kernels on its shared memory', () => {
    expect(wasmThreadCount()).toBe(2);
    expect(wasmPthreadWorkers()).toBe(1);
    const memory = (tf.backend() as unknown as { wasm: { wasmMemory: WebAssembly.Memory } }).wasm.wasmMemory;
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(simdKernels(tf.backend())).not.toBeNull();
  });

  it('trains a small CNN like the cpu backend', async () => {
    await tf.setBackend('cpu');
    const seed = buildModel();
    const weights = seed.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
    seed.dispose();
    const want = await train('cpu', weights);
    const got = await train('wasm', weights);
    expect(wasmThreadCount()).toBe(2);
    expect(want.losses[3]).not.toBe(want.losses[0]);
    for (let i = 0; i < want.losses.length; i++)
      expect(Math.abs((got.losses[i] ?? NaN) - (want.losses[i] ?? NaN))).toBeLessThan(1e-4);
    want.weights.forEach((w, i) => {
      const g = got.weights[i] ?? new Float32Array();
      let max = 0;
      let scale = 1;
      for (let j = 0; j < w.length; j++) {
        max = Math.max(max, Math.abs((g[j] ?? NaN) - (w[j] ?? 0)));
        scale = Math.max(scale, Math.abs(w[j] ?? 0));
      }
      expect(max / scale, `weight ${i}`).toBeLessThan(1e-4);
    });
  });
});

describe('the default wasm thread count', () => {
  it('is one thread on 1 or 2 cores, all but one core above, at most 8', () => {
    expect([1, 2, 3, 4, 8, 9, 16, 64].map(defaultWasmThreads)).toEqual([1, 1, 2, 3, 7, 8, 8, 8]);
  });
});
