import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../../src/ml/kernels';
import { broadcastPlan } from '../../../src/ml/kernels/tile';
import { batchNormalization } from '../../../src/ml/batch-norm';
import { setSimdKernelBinaries } from '../../../src/ml/kernels/simd';
import { compileSimdKernels } from '../../../scripts/wat';

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
    xShape as [number, number, number, number],
    [k, k, ci, co],
    stride,
    1,
    pad as 'same',
  );
}

const KERNELS = [1, 3, 5, 9];
const CHANNELS = [1, 3, 8];
const BATCHES = [1, 4];
const STRIDES = [1, 2];
const PADS: Pad[] = ['same', 'valid'];
const SIDE = 11;

/** Every case of the grid (kernels x paddings x strides x batches x in x out channels), in one fixed order. */
function* gridCases() {
  for (const k of KERNELS)
    for (const pad of PADS)
      for (const stride of STRIDES)
        for (const b of BATCHES)
          for (const ci of CHANNELS)
            for (const co of CHANNELS) {
              const xShape = [b, SIDE, SIDE, ci];
              yield { k, pad, stride, ci, co, xShape, info: convInfo(xShape, k, ci, co, stride, pad) };
            }
}

beforeAll(async () => {
  setSimdKernelBinaries(await compileSimdKernels());
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
    for (const { k, pad, stride, ci, co, xShape, info } of gridCases())
      await compare(
        'Conv2DBackpropFilter',
        {
          x: { values: lcg(size(xShape), seed++), shape: xShape },
          dy: { values: lcg(size(info.outShape), seed++), shape: info.outShape },
        },
        { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: [k, k, ci, co] },
      );
  });

  it('matches cpu for numeric and explicit asymmetric padding and non-square shapes', async () => {
    const cases: { x: number[]; k: [number, number]; co: number; stride: [number, number]; pad: Pad }[] = [
      { x: [2, 9, 13, 3], k: [3, 5], co: 4, stride: [1, 1], pad: 1 },
      {
        x: [2, 9, 13, 3],
        k: [3, 3],
        co: 2,
        stride: [1, 1],
        pad: [
          [0, 0],
          [0, 2],
          [1, 0],
          [0, 0],
        ],
      },
      { x: [3, 10, 7, 2], k: [4, 2], co: 5, stride: [1, 1], pad: 'same' },
      { x: [2, 10, 9, 3], k: [3, 3], co: 4, stride: [2, 3], pad: 'same' },
      { x: [2, 10, 9, 3], k: [3, 3], co: 4, stride: [1, 2], pad: 'valid' },
    ];
    let seed = 1000;
    for (const c of cases) {
      const ci = c.x[3] ?? 1;
      const info = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number],
        [c.k[0], c.k[1], ci, c.co],
        c.stride,
        1,
        c.pad as 'same',
      );
      await compare(
        'Conv2DBackpropFilter',
        {
          x: { values: lcg(size(c.x), seed++), shape: c.x },
          dy: { values: lcg(size(info.outShape), seed++), shape: info.outShape },
        },
        { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], ci, c.co] },
      );
    }
  });

  it('gives the same conv2d filter gradient as cpu through tf.grads', async () => {
    for (const [stride, pad] of [
      [1, 'same'],
      [2, 'same'],
      [1, 'valid'],
    ] as const) {
      const x = lcg(2 * 10 * 10 * 3, 7);
      const w = lcg(3 * 3 * 3 * 4, 8);
      const grad = (): Float32Array =>
        tf.tidy(() => {
          const f = (xt: tf.Tensor, wt: tf.Tensor) =>
            tf
              .conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, stride, pad)
              .square()
              .sum();
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
    for (const { k, pad, stride, ci, co, xShape, info } of gridCases()) {
      const fShape = [k, k, ci, co];
      await compare(
        'Conv2DBackpropInput',
        {
          dy: { values: lcg(size(info.outShape), seed++), shape: info.outShape },
          filter: { values: lcg(size(fShape), seed++), shape: fShape },
        },
        { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: xShape },
      );
    }
  });

  it('matches cpu for numeric and explicit asymmetric padding and non-square kernels', async () => {
    const cases: { x: number[]; k: [number, number]; co: number; pad: Pad }[] = [
      { x: [2, 9, 13, 3], k: [3, 5], co: 4, pad: 1 },
      {
        x: [2, 9, 13, 3],
        k: [3, 3],
        co: 2,
        pad: [
          [0, 0],
          [0, 2],
          [1, 0],
          [0, 0],
        ],
      },
      { x: [3, 10, 7, 2], k: [4, 2], co: 5, pad: 'same' },
    ];
    let seed = 9000;
    for (const c of cases) {
      const ci = c.x[3] ?? 1;
      const fShape = [c.k[0], c.k[1], ci, c.co];
      const info = tf.backend_util.computeConv2DInfo(
        c.x as [number, number, number, number],
        fShape as [number, number, number, number],
        1,
        1,
        c.pad as 'same',
      );
      await compare(
        'Conv2DBackpropInput',
        {
          dy: { values: lcg(size(info.outShape), seed++), shape: info.outShape },
          filter: { values: lcg(size(fShape), seed++), shape: fShape },
        },
        { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
      );
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

describe('wasm MaxPoolGrad', () => {
  /** Values with many ties: ReLU of a few levels, so windows often hold several equal maxima (zeros above all). */
  function tied(n: number, seed: number): Float32Array {
    return Float32Array.from(lcg(n, seed), (v) => Math.max(0, Math.round(v * 3) / 3));
  }

  async function comparePool(
    xShape: number[],
    filterSize: number,
    stride: number,
    pad: 'same' | 'valid',
    values: Float32Array,
    tol = 0,
  ): Promise<void> {
    const info = tf.backend_util.computePool2DInfo(
      xShape as [number, number, number, number],
      filterSize,
      stride,
      1,
      pad,
    );
    const dyShape = info.outShape;
    const inputs = { x: values, dy: lcg(size(dyShape), values.length + 7) };
    const run = async (backend: 'cpu' | 'wasm') =>
      on(backend, () =>
        tf.tidy(() => {
          const x = tf.tensor4d(inputs.x, xShape as [number, number, number, number]);
          const y = tf.maxPool(x, filterSize, stride, pad);
          const dy = tf.tensor(inputs.dy, dyShape);
          return (
            tf
              .engine()
              .runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize, strides: stride, pad }) as tf.Tensor
          ).dataSync() as Float32Array;
        }),
      );
    const want = await run('cpu');
    const got = await run('wasm');
    expect(maxAbsDiff(got, want), `${JSON.stringify(xShape)} pool ${filterSize}/${stride} ${pad}`).toBeLessThanOrEqual(
      tol,
    );
  }

  it('gives 2x2 stride-2 gradients to the first maximum, as cpu: ties, batch 1 and 32, channels 1 to 9', async () => {
    let seed = 30000;
    for (const [b, side, c] of [
      [1, 4, 1],
      [1, 6, 3],
      [2, 8, 4],
      [3, 4, 5],
      [1, 2, 9],
      [32, 6, 8],
      [32, 4, 16],
      [2, 10, 7],
    ] as const) {
      await comparePool([b, side, side + 2, c], 2, 2, 'valid', tied(b * side * (side + 2) * c, seed++));
      await comparePool([b, side, side, c], 2, 2, 'same', lcg(b * side * side * c, seed++));
    }
  });

  it('passes nothing on from windows whose maximum is -Infinity, like cpu', async () => {
    const values = Float32Array.from(lcg(2 * 4 * 4 * 5, 31000), (v, i) => (i % 3 === 0 ? Number.NEGATIVE_INFINITY : v));
    values.fill(Number.NEGATIVE_INFINITY, 0, 20);
    await comparePool([2, 4, 4, 5], 2, 2, 'valid', values);
  });

  it('falls back to a cpu-exact path for odd sizes, padding, other windows and strides', async () => {
    let seed = 32000;
    const cases: [number[], number, number, 'same' | 'valid'][] = [
      [[2, 5, 5, 3], 2, 2, 'valid'],
      [[2, 5, 7, 3], 2, 2, 'same'],
      [[1, 7, 7, 4], 3, 2, 'same'],
      [[2, 6, 6, 2], 2, 1, 'valid'],
      [[1, 6, 6, 5], 3, 1, 'same'],
      [[32, 5, 5, 2], 3, 3, 'valid'],
    ];
    for (const [shape, f, st, pad] of cases) await comparePool(shape, f, st, pad, tied(size(shape), seed++), 1e-6);
  });

  it('fixes the stock wasm kernel, which drops or misplaces the gradient of tied windows (why it is replaced)', async () => {
    const run = async (
      backend: 'cpu' | 'wasm',
      stock: boolean,
      values: number[],
      shape: [number, number, number, number],
    ): Promise<number[]> => {
      if (stock) unregisterWasmTrainingKernels();
      try {
        return await on(backend, () =>
          tf.tidy(() => {
            const x = tf.tensor4d(values, shape);
            const y = tf.maxPool(x, 2, 2, 'valid');
            const dy = tf
              .range(1, y.size + 1)
              .reshape(y.shape)
              .toFloat();
            return Array.from(
              (
                tf
                  .engine()
                  .runKernel(
                    'MaxPoolGrad',
                    { dy, input: x, output: y },
                    { filterSize: 2, strides: 2, pad: 'valid' },
                  ) as tf.Tensor
              ).dataSync(),
            );
          }),
        );
      } finally {
        if (stock) registerWasmTrainingKernels();
      }
    };
    // Four windows of ReLU zeros: each window's gradient goes to its first element.
    const zeros = new Array<number>(16).fill(0);
    const cpuZeros = [1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0];
    expect(await run('cpu', false, zeros, [1, 4, 4, 1])).toEqual(cpuZeros);
    expect(await run('wasm', false, zeros, [1, 4, 4, 1])).toEqual(cpuZeros);
    expect(await run('wasm', true, zeros, [1, 4, 4, 1])).not.toEqual(cpuZeros);
    // Two equal maxima in the bottom row: the first of them.
    expect(await run('cpu', false, [0, 0, 1, 1], [1, 2, 2, 1])).toEqual([0, 0, 1, 0]);
    expect(await run('wasm', false, [0, 0, 1, 1], [1, 2, 2, 1])).toEqual([0, 0, 1, 0]);
    expect(await run('wasm', true, [0, 0, 1, 1], [1, 2, 2, 1])).not.toEqual([0, 0, 1, 0]);
  });
});

describe('wasm Sum and Mean over all axes but the last', () => {
  it('match cpu, with and without keepDims, any axis order, and fall back for other axes and int32', async () => {
    let seed = 40000;
    const cases: { shape: number[]; axis: number[]; dtype?: 'int32' }[] = [
      { shape: [4, 5, 6, 7], axis: [0, 1, 2] },
      { shape: [32, 6, 6, 16], axis: [2, 0, 1] },
      { shape: [3, 8], axis: [0] },
      { shape: [2, 3, 4, 1], axis: [-4, -3, -2] },
      { shape: [5, 4, 3], axis: [0, 1] },
      { shape: [1, 1, 1, 9], axis: [0, 1, 2] },
      { shape: [4, 5, 6, 7], axis: [1, 2] },
      { shape: [4, 5, 6, 7], axis: [3] },
      { shape: [6, 5], axis: [0], dtype: 'int32' },
    ];
    for (const c of cases) {
      const n = size(c.shape);
      // An offset mean, so float32 accumulation would show.
      const values =
        c.dtype === 'int32'
          ? Int32Array.from(lcg(n, seed++), (v) => Math.round(v * 100))
          : Float32Array.from(lcg(n, seed++), (v) => 50 + v);
      for (const keepDims of [false, true]) {
        for (const name of ['Sum', 'Mean']) {
          const want = await runOn('cpu', name, { x: { values, shape: c.shape } }, { axis: c.axis, keepDims });
          const got = await runOn('wasm', name, { x: { values, shape: c.shape } }, { axis: c.axis, keepDims });
          const label = `${name} ${JSON.stringify(c)} keepDims ${keepDims}`;
          expect(got.shape, label).toEqual(want.shape);
          const scale = Math.max(1, ...Array.from(want.values, Math.abs));
          expect(maxAbsDiff(got.values, want.values) / scale, label).toBeLessThan(1e-6);
        }
      }
    }
  });
});

describe('wasm BatchMatMul', () => {
  it('matches cpu for every transpose combination, either way round, ranks 2 and 3, and batched products', async () => {
    let seed = 50000;
    // [m, k, n]: wide and tall operands send the transposed products down both of their routes.
    const dims: [number, number, number][] = [
      [32, 48, 20],
      [20, 48, 4],
      [5, 3, 7],
      [1, 9, 1],
      [40, 2, 30],
    ];
    for (const [m, k, n] of dims) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          for (const batch of [0, 1, 2]) {
            const lead = batch === 0 ? [] : [batch];
            const aShape = [...lead, ...(tA ? [k, m] : [m, k])];
            const bShape = [...lead, ...(tB ? [n, k] : [k, n])];
            const attrs = { transposeA: tA, transposeB: tB };
            const inputs = {
              a: { values: lcg(size(aShape), seed++), shape: aShape },
              b: { values: lcg(size(bShape), seed++), shape: bShape },
            };
            const want = await runOn('cpu', 'BatchMatMul', inputs, attrs);
            const got = await runOn('wasm', 'BatchMatMul', inputs, attrs);
            const label = `${JSON.stringify(aShape)} x ${JSON.stringify(bShape)} ${JSON.stringify(attrs)}`;
            expect(got.shape, label).toEqual(want.shape);
            expect(maxAbsDiff(got.values, want.values), label).toBeLessThan(1e-4);
          }
        }
      }
    }
  });
});

describe('fused batch normalization (training on wasm)', () => {
  type BnArgs = Parameters<typeof tf.layers.batchNormalization>[0];
  interface BnResult {
    y: Float32Array;
    dx: Float32Array;
    dgamma: Float32Array;
    dbeta: Float32Array;
    movingMean: Float32Array;
    movingVariance: Float32Array;
  }

  /** One training call of a batch-norm layer: output, gradients of sum(y * w) and the moving statistics after it. */
  async function trainOnce(
    backend: 'cpu' | 'wasm',
    fused: boolean,
    shape: number[],
    x: Float32Array,
    args: BnArgs = {},
  ): Promise<BnResult> {
    return on(backend, () => {
      const c = shape.at(args.axis ?? -1) ?? 1;
      const layer = fused ? batchNormalization(args) : tf.layers.batchNormalization(args);
      layer.build(shape);
      const n = layer.getWeights().length;
      const init = [lcg(c, 7).map((v) => 1 + v), lcg(c, 8), lcg(c, 9), lcg(c, 10).map((v) => 1.5 + v)].slice(4 - n);
      layer.setWeights(init.map((v) => tf.tensor1d(v)));
      return tf.tidy(() => {
        const xt = tf.tensor(x, shape);
        const w = tf.tensor(lcg(x.length, 11), shape);
        const f = (...ts: tf.Tensor[]): tf.Scalar => {
          const out = layer.apply(ts[0] as tf.Tensor, { training: true }) as tf.Tensor;
          return tf.sum(tf.mul(out, w));
        };
        const y = (layer.apply(xt, { training: true }) as tf.Tensor).dataSync() as Float32Array;
        const grads = tf.grads(f)([xt]);
        const { grads: wg } = tf.variableGrads(() => f(xt));
        const byName = (part: string): Float32Array => {
          const key = Object.keys(wg).find((k) => k.includes(part));
          return key === undefined ? new Float32Array() : (wg[key]?.dataSync() as Float32Array);
        };
        const weights = layer.getWeights();
        return {
          y,
          dx: grads[0]?.dataSync() as Float32Array,
          dgamma: byName('gamma'),
          dbeta: byName('beta'),
          movingMean: weights[weights.length - 2]?.dataSync() as Float32Array,
          movingVariance: weights[weights.length - 1]?.dataSync() as Float32Array,
        };
      });
    });
  }

  function expectClose(got: BnResult, want: BnResult, label: string, rel = 2e-5): void {
    for (const key of Object.keys(want) as (keyof BnResult)[]) {
      const scale = Math.max(1, ...Array.from(want[key], Math.abs));
      expect(maxAbsDiff(got[key], want[key]) / scale, `${label} ${key}`).toBeLessThan(rel);
    }
  }

  it("gives the stock layer's output, gradients and moving statistics (cpu) across shapes", async () => {
    let seed = 60000;
    const cases: { shape: number[]; mean: number; std: number }[] = [
      { shape: [2, 5, 7, 6], mean: 3, std: 2 },
      { shape: [32, 6, 6, 5], mean: 0, std: 1 },
      { shape: [1, 4, 4, 3], mean: -1, std: 0.5 },
      { shape: [8, 5], mean: 1, std: 1 },
      { shape: [4, 3, 3, 1], mean: 0, std: 1 },
      { shape: [3, 4, 4, 9], mean: 100, std: 0.1 },
    ];
    for (const c of cases) {
      const x = Float32Array.from(lcg(size(c.shape), seed++), (v) => c.mean + c.std * v);
      const want = await trainOnce('cpu', false, c.shape, x);
      const got = await trainOnce('wasm', true, c.shape, x);
      expectClose(got, want, JSON.stringify(c));
      // The fused layer on cpu is the stock layer.
      expectClose(await trainOnce('cpu', true, c.shape, x), want, `${JSON.stringify(c)} fused on cpu`, 1e-7);
    }
  });

  it('serialises as the stock layer and runs it for inference and for a channel axis that is not last', async () => {
    expect(batchNormalization({}).getClassName()).toBe('BatchNormalization');
    const shape = [2, 4, 4, 3];
    const x = lcg(size(shape), 61000);
    // A channel axis that is not last takes the stock layer (whose gradients tfjs cannot take there: forward only).
    for (const axis of [1, 2]) {
      const forward = async (backend: 'cpu' | 'wasm', fused: boolean): Promise<Float32Array> =>
        on(backend, () => {
          const layer = fused ? batchNormalization({ axis }) : tf.layers.batchNormalization({ axis });
          return tf.tidy(
            () => (layer.apply(tf.tensor(x, shape), { training: true }) as tf.Tensor).dataSync() as Float32Array,
          );
        });
      expect(maxAbsDiff(await forward('wasm', true), await forward('cpu', false)), `axis ${axis}`).toBeLessThan(1e-5);
    }
    await tf.setBackend('wasm');
    const layer = batchNormalization({});
    layer.build(shape);
    const stock = tf.layers.batchNormalization({});
    stock.build(shape);
    stock.setWeights(layer.getWeights());
    const xt = tf.tensor(x, shape);
    const a = layer.apply(xt, { training: false }) as tf.Tensor;
    const b = stock.apply(xt, { training: false }) as tf.Tensor;
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    tf.dispose([xt, a, b]);
  });

  it('leaves tensors and backend data flat over many training steps', async () => {
    await tf.setBackend('wasm');
    const shape = [4, 6, 6, 5];
    const layer = batchNormalization({});
    layer.build(shape);
    const x = tf.tensor(lcg(size(shape), 62000), shape);
    const opt = tf.train.sgd(0.01);
    const step = (): void => {
      opt.minimize(() => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, false);
    };
    step();
    const before = tf.memory().numTensors;
    const ids = tf.backend().numDataIds();
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.backend().numDataIds()).toBe(ids);
    opt.dispose();
    x.dispose();
  });
});

describe('wasm Identity and Cast', () => {
  it('share data for clones and same-dtype casts (no copy), which stay valid when the original is disposed', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(lcg(12, 70000), [3, 4]);
    const want = Array.from(x.dataSync());
    const ids = tf.backend().numDataIds();
    const clone = x.clone();
    const same = tf.cast(x, 'float32');
    expect(tf.backend().numDataIds()).toBe(ids);
    const converted = tf.cast(x, 'int32');
    expect(tf.backend().numDataIds()).toBe(ids + 1);
    x.dispose();
    expect(Array.from(clone.dataSync())).toEqual(want);
    expect(Array.from(same.dataSync())).toEqual(want);
    expect(Array.from(converted.dataSync())).toEqual(Array.from(Int32Array.from(want)));
    tf.dispose([clone, same, converted]);
    expect(tf.backend().numDataIds()).toBe(ids - 1);
    const s = tf.tensor1d(['a', 'b'], 'string');
    expect(s.clone().arraySync()).toEqual(['a', 'b']);
  });
});

describe('wasm kernel routing', () => {
  it('runs stride-1 gradients as XNNPACK forward convolutions and stride 2 elsewhere', async () => {
    await tf.setBackend('wasm');
    const stock = tf.getKernel('Conv2D', 'wasm');
    if (stock === undefined) throw new Error('no wasm Conv2D');
    let calls = 0;
    tf.unregisterKernel('Conv2D', 'wasm');
    tf.registerKernel({
      ...stock,
      kernelFunc: (args) => {
        calls++;
        return stock.kernelFunc(args);
      },
    });
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
      expect(count('Conv2DBackpropFilter', { x, dy: dy1 }, { ...common, strides: 1, filterShape: [3, 3, 2, 3] })).toBe(
        1,
      );
      expect(count('Conv2DBackpropFilter', { x, dy: dy2 }, { ...common, strides: 2, filterShape: [3, 3, 2, 3] })).toBe(
        0,
      );
      expect(
        count('Conv2DBackpropInput', { dy: dy1, filter }, { ...common, strides: 1, inputShape: [1, 6, 6, 2] }),
      ).toBe(1);
      expect(
        count('Conv2DBackpropInput', { dy: dy2, filter }, { ...common, strides: 2, inputShape: [1, 6, 6, 2] }),
      ).toBe(0);
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
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 3, 4],
        } as never),
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dy2 }, {
          strides: 2,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 3, 4],
        } as never),
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
          strides: 1,
          pad: 'same',
          dataFormat: 'NHWC',
          inputShape: [2, 8, 8, 3],
        } as never),
        tf.engine().runKernel('Conv2DBackpropInput', { dy: dy2, filter }, {
          strides: 2,
          pad: 'same',
          dataFormat: 'NHWC',
          inputShape: [2, 8, 8, 3],
        } as never),
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
    let h = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false })
      .apply(input) as tf.SymbolicTensor;
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

  async function losses(
    backend: 'cpu' | 'wasm',
    weights: { values: Float32Array; shape: number[] }[],
  ): Promise<number[]> {
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
