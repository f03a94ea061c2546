/**
 * Training steps of the project's own network (src/ml/model.ts), optimizers (src/ml/optimizers.ts), batches and loss on a
 * GPU backend, compared with the same steps on tfjs' cpu backend. Runs in a browser page (tests/pages/gpu-step.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../../src/ga/chromosome';
import { Rng } from '../../src/ga/rng';
import { syntheticDataset } from '../../src/data/synthetic';
import type { Dataset } from '../../src/data/dataset';
import { makeBatch } from '../../src/ml/batches';
import { crossEntropyOfProbs } from '../../src/ml/loss';
import { buildModel, DEFAULT_NETWORK, type NetworkSettings } from '../../src/ml/model';
import { makeOptimizer } from '../../src/ml/optimizers';
import { watchCpuWork, type CpuWork } from './cpu-work';

/** One network, batch size and number of steps to run on both backends. */
export interface StepCase {
  readonly id: string;
  readonly chromosome: Chromosome;
  /** The network settings the paper leaves open; the lab's defaults when absent. */
  readonly network?: NetworkSettings;
  readonly batch: number;
  /** Steps on successive batches; gradients and updates are compared after the first, the loss after every step. */
  readonly steps: number;
  readonly seed: number;
}

/** Largest absolute difference between two arrays, and the largest absolute value of the reference. */
export interface Diff {
  readonly err: number;
  readonly scale: number;
}

/** How one weight of the network came out of the first step on both backends. */
export interface VariableReport {
  /** Layer and weight, e.g. `conv3/kernel` or `bn2/moving_mean`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly trainable: boolean;
  /** The gradient of the loss (trainable weights only). */
  readonly grad?: Diff;
  /** The change the step made (new minus initial value): the optimizer update, or the batch-norm moving statistics. */
  readonly update: Diff;
  /** The GPU's update against the cpu optimizer applied to the GPU's own gradients: the optimizer alone (trainable only). */
  readonly sameGradUpdate?: Diff;
  /**
   * Largest amount by which an element's update difference exceeds 2·|u_cpu|·|Δg|/|g_cpu|, the most its gradient
   * difference can explain (see excessOverGradientBound); at most rounding when the step is right (trainable only).
   */
  readonly updateExcess?: number;
  /** Largest absolute value of the weight after the step: a float32 weight is stored to within 2^-24 of it. */
  readonly weightScale: number;
  /** The change over all steps (last minus initial value), when there are several. */
  readonly change?: Diff;
}

/** The comparison of one case. */
export interface CaseReport {
  readonly id: string;
  readonly backend: string;
  readonly lossesCpu: readonly number[];
  readonly losses: readonly number[];
  readonly variables: readonly VariableReport[];
  /** What ran on the CPU during the GPU's steps (see cpu-work.ts). */
  readonly cpuWork: CpuWork;
  readonly seconds: { readonly cpu: number; readonly gpu: number };
  /** Tensors left over after the case on the GPU backend (must be 0). */
  readonly leakedTensors: number;
}

interface Trace {
  readonly names: string[];
  readonly shapes: number[][];
  readonly trainable: boolean[];
  /** All weights (model.weights order) before the first step. */
  readonly initial: Float32Array[];
  /** All weights after the first step. */
  readonly afterFirst: Float32Array[];
  /** All weights after the last step. */
  readonly last: Float32Array[];
  /** Gradients of the trainable weights in the first step (model.trainableWeights order). */
  readonly grads: Float32Array[];
  readonly losses: number[];
}

/** Compares two arrays element by element; a NaN anywhere makes `err` NaN. */
export function diff(actual: ArrayLike<number>, expected: ArrayLike<number>): Diff {
  if (actual.length !== expected.length) return { err: NaN, scale: NaN };
  let err = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const d = Math.abs((actual[i] as number) - e);
    if (d > err || Number.isNaN(d)) err = Number.isNaN(err) ? err : d;
    scale = Math.max(scale, Math.abs(e));
  }
  return { err, scale };
}

/**
 * The first update of each of the seven optimizers is u = -lr·f(g) element by element, with f odd, increasing and
 * |f(g)/g| non-increasing (sgd: g; adam, adamax, nadam: ~g/(|g|+eps); rmsprop, adadelta: g/sqrt(c·g²+eps); adagrad:
 * g/sqrt(0.1+g²)). For such f, |f(a) - f(b)| <= 2·|f(b)|·|a-b|/|b|: a gradient that differs by a relative r moves the
 * update by at most 2r of itself. Returns the largest excess of the actual update difference over that bound; an
 * element whose cpu gradient is exactly 0 but whose GPU gradient is not may move freely.
 */
export function excessOverGradientBound(
  uGpu: ArrayLike<number>,
  uCpu: ArrayLike<number>,
  gGpu: ArrayLike<number>,
  gCpu: ArrayLike<number>,
): number {
  let worst = 0;
  for (let i = 0; i < uCpu.length; i++) {
    const u = uCpu[i] as number;
    const g = Math.abs(gCpu[i] as number);
    const dg = Math.abs((gGpu[i] as number) - (gCpu[i] as number));
    const allowed = dg === 0 ? 0 : g === 0 ? Infinity : (2 * Math.abs(u) * dg) / g;
    const excess = Math.abs((uGpu[i] as number) - u) - allowed;
    if (Number.isNaN(excess) || excess > worst) worst = excess;
    if (Number.isNaN(worst)) break;
  }
  return worst;
}

const minus = (a: Float32Array, b: Float32Array): Float32Array => a.map((v, i) => v - (b[i] as number));

async function use(backend: string): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  await tf.ready();
}

async function read(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(tensors.map(async (t) => new Float32Array(await t.data())));
}

function newModel(c: StepCase, initial: Float32Array[] | null): tf.LayersModel {
  const model = buildModel(c.chromosome, c.network ?? DEFAULT_NETWORK, c.seed);
  if (initial) {
    const ts = initial.map((v, i) => tf.tensor(v, model.weights[i]?.shape as number[]));
    model.setWeights(ts);
    tf.dispose(ts);
  }
  return model;
}

/** Rows of successive batches: a seeded shuffle of the sample, repeated as needed. */
function batchRows(c: StepCase, data: Dataset): Int32Array {
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  Rng.fromSeed(c.seed).shuffle(order);
  return Int32Array.from({ length: c.batch * c.steps }, (_, i) => order[i % order.length] as number);
}

async function train(c: StepCase, data: Dataset, rows: Int32Array, initial: Float32Array[] | null): Promise<Trace> {
  const model = newModel(c, initial);
  const optimizer = makeOptimizer(c.chromosome.optimizer, c.chromosome.learningRate);
  try {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const start = await read(model.getWeights());
    let grads: Float32Array[] = [];
    let afterFirst: Float32Array[] = [];
    const losses: number[] = [];
    for (let s = 0; s < c.steps; s++) {
      const { xs, ys } = makeBatch(data, rows, s * c.batch, (s + 1) * c.batch);
      const { value, grads: g } = optimizer.computeGradients(
        () => crossEntropyOfProbs(ys, model.apply(xs, { training: true }) as tf.Tensor2D),
        vars,
      );
      if (s === 0) grads = await read(vars.map((v) => g[v.name] as tf.Tensor));
      optimizer.applyGradients(g);
      losses.push((await value.data())[0] ?? NaN);
      if (s === 0) afterFirst = await read(model.getWeights());
      tf.dispose([xs, ys, value, ...Object.values(g)]);
    }
    return {
      names: model.weights.map((w) => w.originalName),
      shapes: model.weights.map((w) => w.shape.slice() as number[]),
      trainable: model.weights.map((w) => w.trainable),
      initial: start,
      afterFirst,
      last: await read(model.getWeights()),
      grads,
      losses,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** The cpu optimizer's first update given these gradients, as the new trainable weights. */
async function applyOnCpu(c: StepCase, initial: Float32Array[], grads: Float32Array[]): Promise<Float32Array[]> {
  const model = newModel(c, initial);
  const optimizer = makeOptimizer(c.chromosome.optimizer, c.chromosome.learningRate);
  try {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const named: tf.NamedTensorMap = {};
    vars.forEach((v, i) => (named[v.name] = tf.tensor(grads[i] as Float32Array, v.shape)));
    optimizer.applyGradients(named);
    tf.dispose(Object.values(named));
    return await read(vars);
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * Runs the case on cpu, then on `backend` from the same initial weights and batches, then the cpu optimizer on the
 * GPU's gradients; returns per-weight differences. Leaves the cpu backend selected.
 */
export async function compareCase(c: StepCase, backend: string): Promise<CaseReport> {
  const data = syntheticDataset(Math.max(1, Math.ceil((c.batch * c.steps) / 7)), c.seed);
  const rows = batchRows(c, data);
  await use('cpu');
  const t0 = performance.now();
  const ref = await train(c, data, rows, null);
  const t1 = performance.now();
  await use(backend);
  const before = tf.memory().numTensors;
  const watch = watchCpuWork(backend);
  let gpu: Trace;
  try {
    gpu = await train(c, data, rows, ref.initial);
  } finally {
    watch.stop();
  }
  const leakedTensors = tf.memory().numTensors - before;
  const t2 = performance.now();
  await use('cpu');
  const trainableIdx = ref.trainable.flatMap((t, i) => (t ? [i] : []));
  const fed = await applyOnCpu(c, ref.initial, gpu.grads);
  const variables = ref.names.map((name, i): VariableReport => {
    const k = trainableIdx.indexOf(i);
    const initial = ref.initial[i] as Float32Array;
    const gpuAfter = gpu.afterFirst[i] as Float32Array;
    return {
      name,
      shape: ref.shapes[i] as number[],
      trainable: ref.trainable[i] as boolean,
      ...(k < 0
        ? {}
        : {
            grad: diff(gpu.grads[k] as Float32Array, ref.grads[k] as Float32Array),
            sameGradUpdate: diff(minus(gpuAfter, initial), minus(fed[k] as Float32Array, initial)),
            updateExcess: excessOverGradientBound(
              minus(gpuAfter, initial),
              minus(ref.afterFirst[i] as Float32Array, initial),
              gpu.grads[k] as Float32Array,
              ref.grads[k] as Float32Array,
            ),
          }),
      update: diff(minus(gpuAfter, initial), minus(ref.afterFirst[i] as Float32Array, initial)),
      weightScale: diff(ref.afterFirst[i] as Float32Array, ref.afterFirst[i] as Float32Array).scale,
      ...(c.steps > 1
        ? { change: diff(minus(gpu.last[i] as Float32Array, initial), minus(ref.last[i] as Float32Array, initial)) }
        : {}),
    };
  });
  return {
    id: c.id,
    backend,
    lossesCpu: ref.losses,
    losses: gpu.losses,
    variables,
    cpuWork: watch.report(),
    seconds: { cpu: (t1 - t0) / 1000, gpu: (t2 - t1) / 1000 },
    leakedTensors,
  };
}
