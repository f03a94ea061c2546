import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/ml/kernels';
import { broadcastPlan } from '../../src/ml/kernels/tile';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** Deterministic values in [-1, 1): a small LCG, so cpu and wasm see the same data. */
function lcg(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

async function on<T>(backend: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

/** Runs kernel `name` on a backend with fresh tensors and returns its values. */
async function runOn(
  backend: 'cpu' | 'wasm',
  name: string,
  inputs: Record<string, { values: Float32Array | Int32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): Promise<{ values: Float32Array | Int32Array | Uint8Array; shape: number[] }> {
  return on(backend, () => {
    const ts: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape);
    const out = tf.engine().runKernel(name, ts, attrs as never) as tf.Tensor;
    const result = { values: out.dataSync() as Float32Array, shape: out.shape };
    out.dispose();
    Object.values(ts).forEach((t) => t.dispose());
    return result;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

async function compare(
  name: string,
  inputs: Record<string, { values: Float32Array | Int32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
  tol = 1e-4,
): Promise<void> {
  const want = await runOn('cpu', name, inputs, attrs);
  const got = await runOn('wasm', name, inputs, attrs);
  expect(got.shape, `${name} ${JSON.stringify(attrs)}`).toEqual(want.shape);
  expect(maxAbsDiff(got.values, want.values), `${name} ${JSON.stringify(attrs)}`).toBeLessThanOrEqual(tol);
}

/** Output spatial shape of a conv, via tfjs's own arithmetic so the cases mirror real forward passes. */
function convInfo(xShape: number[], k: number, ci: number, co: number, stride: number, pad: Pad) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], [k, k, ci, co], stride, 1, pad as 'same',
  );
}

const KERNELS = [1, 3, 5, 9];
const CHANNELS = [1, 3, 8];
const BATCHES = [1, 4];
const STRIDES = [1, 2];
const PADS: Pad[] = ['same', 'valid'];
const SIDE = 11;

beforeAll(async () => {
  // Registered before the backend initialises, as the app does, so the stock setupFuncs run via ours.
  registerWasmTrainingKernels();
  registerWasmTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
  await tf.setBackend('cpu');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('wasm Conv2DBackpropFilter', () => {
  it('is registered once, idempotently', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('matches cpu for kernels 1/3/5/9, same/valid, ci/co 1/3/8, batch 1/4, stride 1/2', async () => {
    let seed = 1;
    for (const k of KERNELS) for (const pad of PADS) for (const stride of STRIDES) for (const b of BATCHES) {
      for (const ci of CHANNELS) for (const co of CHANNELS) {
        const xShape = [b, SIDE, SIDE, ci];
        const info = convInfo(xShape, k, ci, co, stride, pad);
        const dyShape = info.outShape;
        await compare('Conv2DBackpropFilter', {
          x: { values: lcg(size(xShape), seed++), shape: xShape },
          dy: { values: lcg(size(dyShape), seed++), shape: dyShape },
        }, { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co] });
      }
    }
  });

  it('matches cpu for numeric and explicit asymmetric padding and non-square shapes', async () => {
    const cases: { x: number[]; k: [number, number]; co: number; stride: [number, number]; pad: Pad }[] = [
      { x: [2, 9, 13, 3], k: [3, 5], co: 4, stride: [1, 1], pad: 1 },
      { x: [2, 9, 13, 3], k: [3, 3], co: 2, stride: [1, 1], pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
      { x: [3, 10, 7, 2], k: [4, 2], co: 5, stride: [1, 1], pad: 'same' },
      { x: [2, 10, 9, 3], k: [3, 3], co: 4, stride: [2, 3], pad: 'same' },
      { x: [2, 10, 9, 3], k: [3, 3], co: 4, stride: [1, 2], pad: 'valid' },
    ];
    let seed = 1000;
    for (const c of cases) {
      const ci = c.x[3] ?? 1;
      const info = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number], [c.k[0], c.k[1], ci, c.co], c.stride, 1, c.pad as 'same',
      );
      await compare('Conv2DBackpropFilter', {
        x: { values: lcg(size(c.x), seed++), shape: c.x },
        dy: { values: lcg(size(info.outShape), seed++), shape: info.outShape },
      }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], ci, c.co] });
    }
  });

  it('gives the same conv2d filter gradient as cpu through tf.grads', async () => {
    for (const [stride, pad] of [[1, 'same'], [2, 'same'], [1, 'valid']] as const) {
      const x = lcg(2 * 10 * 10 * 3, 7);
      const w = lcg(3 * 3 * 3 * 4, 8);
      const grad = (): Float32Array => tf.tidy(() => {
        const f = (xt: tf.Tensor, wt: tf.Tensor) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, stride, pad).square().sum();
        const [, dw] = tf.grads(f)([tf.tensor4d(x, [2, 10, 10, 3]), tf.tensor4d(w, [3, 3, 3, 4])]);
        return (dw as tf.Tensor).dataSync() as Float32Array;
      });
      const want = await on('cpu', grad);
      const got = await on('wasm', grad);
      // Gradients of a sum of squares are large; compare relative to their scale.
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      expect(maxAbsDiff(got, want) / scale).toBeLessThan(1e-5);
    }
  });
});

describe('wasm Conv2DBackpropInput', () => {
  it('matches cpu for kernels 1/3/5/9, same/valid, ci/co 1/3/8, batch 1/4, stride 1/2', async () => {
    let seed = 5000;
    for (const k of KERNELS) for (const pad of PADS) for (const stride of STRIDES) for (const b of BATCHES) {
      for (const ci of CHANNELS) for (const co of CHANNELS) {
        const xShape = [b, SIDE, SIDE, ci];
        const info = convInfo(xShape, k, ci, co, stride, pad);
        const fShape = [k, k, ci, co];
        await compare('Conv2DBackpropInput', {
          dy: { values: lcg(size(info.outShape), seed++), shape: info.outShape },
          filter: { values: lcg(size(fShape), seed++), shape: fShape },
        }, { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: xShape });
      }
    }
  });

  it('matches cpu for numeric and explicit asymmetric padding and non-square kernels', async () => {
    const cases: { x: number[]; k: [number, number]; co: number; pad: Pad }[] = [
      { x: [2, 9, 13, 3], k: [3, 5], co: 4, pad: 1 },
      { x: [2, 9, 13, 3], k: [3, 3], co: 2, pad: [[0, 0], [0, 2], [1, 0], [0, 0]] },
      { x: [3, 10, 7, 2], k: [4, 2], co: 5, pad: 'same' },
    ];
    let seed = 9000;
    for (const c of cases) {
      const ci = c.x[3] ?? 1;
      const fShape = [c.k[0], c.k[1], ci, c.co];
      const info = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number], fShape as [number, number, number, number], 1, 1, c.pad as 'same',
      );
      await compare('Conv2DBackpropInput', {
        dy: { values: lcg(size(info.outShape), seed++), shape: info.outShape },
        filter: { values: lcg(size(fShape), seed++), shape: fShape },
      }, { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', inputShape: c.x });
    }
  });
});

describe('wasm Tile', () => {
  it('plans broadcasts with merged axes', () => {
    expect(broadcastPlan([1, 1, 1, 16], [32, 48, 48, 1])).toEqual({ from: [1, 16], to: [32 * 48 * 48, 16] });
    expect(broadcastPlan([2, 3], [2, 2])).toEqual({ from: [1, 2, 1, 3], to: [2, 2, 2, 3] });
    expect(broadcastPlan([2, 3], [1, 1])).toEqual({ from: [6], to: [6] });
  });

  it('matches cpu, including patterns that fall back to the stock kernel', async () => {
    const cases: { shape: number[]; reps: number[]; dtype?: 'int32' }[] = [
      { shape: [1, 1, 1, 8], reps: [4, 6, 6, 1] },
      { shape: [1, 1, 1, 16], reps: [32, 12, 12, 1] },
      { shape: [2, 3], reps: [2, 2] },
      { shape: [3, 1, 2], reps: [1, 4, 3] },
      { shape: [5], reps: [3] },
      { shape: [2, 3, 4], reps: [1, 1, 1] },
      { shape: [2, 2, 2, 2, 2], reps: [2, 2, 2, 2, 2] },
      { shape: [2, 3], reps: [3, 2], dtype: 'int32' },
    ];
    let seed = 20000;
    for (const c of cases) {
      const n = size(c.shape);
      const values = c.dtype === 'int32' ? Int32Array.from(lcg(n, seed++), (v) => Math.round(v * 100)) : lcg(n, seed++);
      await compare('Tile', { x: { values, shape: c.shape } }, { reps: c.reps }, 0);
    }
  });
});

describe('wasm kernel routing', () => {
  it('runs stride-1 gradients as XNNPACK forward convolutions and stride 2 elsewhere', async () => {
    await tf.setBackend('wasm');
    const stock = tf.getKernel('Conv2D', 'wasm');
    if (stock === undefined) throw new Error('no wasm Conv2D');
    let calls = 0;
    tf.unregisterKernel('Conv2D', 'wasm');
    tf.registerKernel({ ...stock, kernelFunc: (args) => { calls++; return stock.kernelFunc(args); } });
    try {
      const x = tf.zeros([1, 6, 6, 2]);
      const filter = tf.zeros([3, 3, 2, 3]);
      const count = (name: string, inputs: tf.NamedTensorMap, attrs: object): number => {
        const start = calls;
        (tf.engine().runKernel(name, inputs, attrs as never) as tf.Tensor).dispose();
        return calls - start;
      };
      const dy1 = tf.zeros([1, 6, 6, 3]);
      const dy2 = tf.zeros([1, 3, 3, 3]);
      const common = { pad: 'same', dataFormat: 'NHWC' };
      expect(count('Conv2DBackpropFilter', { x, dy: dy1 }, { ...common, strides: 1, filterShape: [3, 3, 2, 3] })).toBe(1);
      expect(count('Conv2DBackpropFilter', { x, dy: dy2 }, { ...common, strides: 2, filterShape: [3, 3, 2, 3] })).toBe(0);
      expect(count('Conv2DBackpropInput', { dy: dy1, filter }, { ...common, strides: 1, inputShape: [1, 6, 6, 2] })).toBe(1);
      expect(count('Conv2DBackpropInput', { dy: dy2, filter }, { ...common, strides: 2, inputShape: [1, 6, 6, 2] })).toBe(0);
      tf.dispose([x, filter, dy1, dy2]);
    } finally {
      tf.unregisterKernel('Conv2D', 'wasm');
      tf.registerKernel(stock);
    }
  });
});

describe('wasm kernel memory', () => {
  it('leaves numTensors, numBytes and backend data ids unchanged after many calls', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(lcg(2 * 8 * 8 * 3, 1), [2, 8, 8, 3]);
    const dy = tf.tensor4d(lcg(2 * 8 * 8 * 4, 2), [2, 8, 8, 4]);
    const dy2 = tf.tensor4d(lcg(2 * 4 * 4 * 4, 3), [2, 4, 4, 4]);
    const filter = tf.tensor4d(lcg(3 * 3 * 3 * 4, 4), [3, 3, 3, 4]);
    const scale = tf.tensor4d(lcg(4, 5), [1, 1, 1, 4]);
    const run = (): void => {
      const outs = [
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as never),
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dy2 }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as never),
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 8, 8, 3] } as never),
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dy2, filter }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 8, 8, 3] } as never),
        tf.engine().runKernel('Tile', { x: scale }, { reps: [2, 8, 8, 1] } as never),
      ] as tf.Tensor[];
      outs.forEach((t) => t.dispose());
    };
    run();
    const before = tf.memory();
    const ids = tf.backend().numDataIds();
    for (let i = 0; i < 50; i++) run();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(tf.backend().numDataIds()).toBe(ids);
    tf.dispose([x, dy, dy2, filter, scale]);
  });
});

describe('CNN training step on wasm', () => {
  function buildModel(): tf.LayersModel {
    const input = tf.input({ shape: [12, 12, 1] });
    let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
    h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
    h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  }

  async function losses(backend: 'cpu' | 'wasm', weights: { values: Float32Array; shape: number[] }[]): Promise<number[]> {
    await tf.setBackend(backend);
    const model = buildModel();
    model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
    const xs = tf.tensor4d(lcg(8 * 12 * 12, 77), [8, 12, 12, 1]);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    const opt = tf.train.adam(0.01);
    const out: number[] = [];
    for (let step = 0; step < 3; step++) {
      const cost = opt.minimize(() => {
        const pred = model.apply(xs, { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(ys, pred).asScalar();
      }, true);
      out.push(cost?.dataSync()[0] ?? NaN);
      cost?.dispose();
    }
    opt.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
    return out;
  }

  it('follows the cpu loss trajectory over two Adam steps', async () => {
    await tf.setBackend('cpu');
    const seedModel = buildModel();
    const weights = seedModel.getWeights().map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
    seedModel.dispose();
    const want = await losses('cpu', weights);
    const got = await losses('wasm', weights);
    expect(want[2]).not.toBe(want[0]);
    for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] ?? NaN) - (want[i] ?? NaN))).toBeLessThan(1e-4);
  });
});
