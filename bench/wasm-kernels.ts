/**
 * Training throughput on the wasm backend in Node, stock-ish kernels vs src/ml/kernels.
 * Run: npx vitest run -c bench/wasm-kernels.config.ts   (STEPS=n to time more steps)
 */
import { it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../src/ml/kernels';
import { conv2DBackpropFilter } from '../src/ml/kernels/conv2d-backprop-filter';
import { release, runWasm } from '../src/ml/kernels/wasm-ops';

const BATCH = 32;
const STEPS = Number(process.env.STEPS ?? 4);
const WARMUP = 2;

/** The filter gradient as first shipped: wasm Conv3DBackpropFilterV2 with depth 1 (stride 1 only). */
function conv3dRouteFilter({
  inputs,
  backend,
  attrs,
}: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, filterShape } = attrs as unknown as {
    strides: number | number[];
    pad: string;
    filterShape: number[];
  };
  if (strides !== 1 && !(Array.isArray(strides) && strides.every((s) => s === 1)))
    throw new Error('bench baseline: stride 1 only');
  const [b = 0, h = 0, w = 0, ci = 0] = x.shape;
  const [, oh = 0, ow = 0, co = 0] = dy.shape;
  const x5 = runWasm('Reshape', backend, { x }, { shape: [b, 1, h, w, ci] });
  const dy5 = runWasm('Reshape', backend, { x: dy }, { shape: [b, 1, oh, ow, co] });
  const dw5 = runWasm(
    'Conv3DBackpropFilterV2',
    backend,
    { x: x5, dy: dy5 },
    {
      strides: [1, 1, 1],
      pad,
      filterShape: [1, ...filterShape],
      dilations: [1, 1, 1],
      dataFormat: 'NDHWC',
    },
  );
  const out = runWasm('Reshape', backend, { x: dw5 }, { shape: filterShape });
  release(backend, x5, dy5, dw5);
  return out;
}

function setFilterKernel(kernelFunc: KernelFunc): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc });
}

const MODES: Record<string, () => void> = {
  'conv3d-route filter, stock input/tile (as shipped)': () => {
    unregisterWasmTrainingKernels();
    setFilterKernel(conv3dRouteFilter as unknown as KernelFunc);
  },
  'fast filter only, stock input/tile': () => {
    unregisterWasmTrainingKernels();
    setFilterKernel(conv2DBackpropFilter as unknown as KernelFunc);
  },
  'all three fast kernels (registerWasmTrainingKernels)': () => {
    unregisterWasmTrainingKernels();
    registerWasmTrainingKernels();
  },
};

function buildModel(): tf.LayersModel {
  const model = tf.sequential();
  [16, 16, 32, 32, 64, 64].forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [48, 48, 1] } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: i + 1 }),
      }),
    );
    model.add(tf.layers.batchNormalization());
    if (i % 2 === 1) model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  });
  model.add(tf.layers.flatten());
  model.add(
    tf.layers.dense({
      units: 7,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 99 }),
    }),
  );
  return model;
}

it('wasm training throughput', async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  const xs = tf.randomUniform([BATCH, 48, 48, 1], 0, 1, 'float32', 1);
  const ys = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % 7),
      'int32',
    ),
    7,
  );
  const lines: string[] = [
    `wasm backend, Node ${process.version}, batch ${BATCH}, ${STEPS} timed steps after ${WARMUP} warm-up`,
  ];

  for (const [label, apply] of Object.entries(MODES)) {
    apply();
    const model = buildModel();
    const opt = tf.train.adam(1e-3);
    const step = (): number => {
      const cost = opt.minimize(
        () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor).asScalar(),
        true,
      );
      const v = cost?.dataSync()[0] ?? NaN;
      cost?.dispose();
      return v;
    };
    for (let i = 0; i < WARMUP; i++) step();
    const t0 = performance.now();
    let loss = NaN;
    for (let i = 0; i < STEPS; i++) loss = step();
    const ms = (performance.now() - t0) / STEPS;
    lines.push(
      `${label}: ${ms.toFixed(0)} ms/step, ${((BATCH * 1000) / ms).toFixed(1)} img/s (loss ${loss.toFixed(4)})`,
    );

    const profile = await tf.profile(() => {
      step();
    });
    const byKernel = new Map<string, number>();
    for (const k of profile.kernels) {
      const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + t);
    }
    const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
    const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    lines.push(
      `  profiled step: ${total.toFixed(0)} ms in kernels; top: ${top.map(([n, t]) => `${n} ${t.toFixed(0)}`).join(', ')}`,
    );
    opt.dispose();
    model.dispose();
  }
  tf.dispose([xs, ys]);
  registerWasmTrainingKernels();
  console.log(lines.join('\n'));
});
