/** Extra wasm kernels so the wasm backend can train CNNs (tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter), and fast (README, Backends). */
import '@tensorflow/tfjs-backend-wasm';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { conv2DBackpropFilter } from './conv2d-backprop-filter';
import { makeConv2DBackpropInput } from './conv2d-backprop-input';
import { makeTile } from './tile';
import { maxPoolGrad } from './max-pool-grad';
import { makeMean, makeSum } from './reduce';
import { makeBatchMatMul } from './batch-mat-mul';
import { BATCH_NORM_KERNELS, BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './batch-norm';
import { makeCast, makeIdentity } from './identity';
import { WASM } from './wasm-ops';

/** Kernel names this module registers or replaces on the wasm backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Tile',
  'MaxPoolGrad',
  'Sum',
  'Mean',
  'BatchMatMul',
  'Identity',
  'Cast',
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
] as const;

// The registry is global across module copies (HMR, duplicate bundles), so ours are tagged there.
type TaggedConfig = KernelConfig & { evolabTraining?: true };

// Stock configs we replaced (null: there was none), for unregisterWasmTrainingKernels.
const replaced = new Map<string, KernelConfig | null>();

function isOurs(name: string): boolean {
  return (getKernel(name, WASM) as TaggedConfig | undefined)?.evolabTraining === true;
}

function install(name: string, build: (original: KernelConfig | undefined) => KernelFunc | null): void {
  if (isOurs(name)) return;
  const original = getKernel(name, WASM);
  const kernelFunc = build(original);
  if (kernelFunc === null) return;
  if (original !== undefined) unregisterKernel(name, WASM);
  replaced.set(name, original ?? null);
  const config: TaggedConfig = { kernelName: name, backendName: WASM, kernelFunc, evolabTraining: true };
  // The stock setup binds the wasm exports our fallback calls; the engine runs setupFunc only for registered configs.
  if (original?.setupFunc !== undefined) config.setupFunc = original.setupFunc;
  if (original?.disposeFunc !== undefined) config.disposeFunc = original.disposeFunc;
  registerKernel(config);
}

/**
 * Registers Conv2DBackpropFilter, faster (for MaxPoolGrad also cpu-exact) Conv2DBackpropInput, Tile, MaxPoolGrad,
 * Sum, Mean, BatchMatMul, Identity and Cast, and the fused batch-norm kernels on 'wasm'; idempotent, call before or after setBackend. The SIMD kernels some of them use
 * come from setSimdKernelBinaries (simd.ts); without them those take their fallback paths.
 */
export function registerWasmTrainingKernels(): void {
  install('Conv2DBackpropFilter', () => conv2DBackpropFilter as unknown as KernelFunc);
  install('Conv2DBackpropInput', (o) =>
    o === undefined ? null : (makeConv2DBackpropInput(o.kernelFunc) as unknown as KernelFunc),
  );
  install('Tile', (o) => (o === undefined ? null : (makeTile(o.kernelFunc) as unknown as KernelFunc)));
  install('MaxPoolGrad', () => maxPoolGrad as unknown as KernelFunc);
  install('Sum', (o) => (o === undefined ? null : (makeSum(o.kernelFunc) as unknown as KernelFunc)));
  install('Mean', (o) => (o === undefined ? null : (makeMean(o.kernelFunc) as unknown as KernelFunc)));
  install('BatchMatMul', (o) => (o === undefined ? null : (makeBatchMatMul(o.kernelFunc) as unknown as KernelFunc)));
  install('Identity', (o) => (o === undefined ? null : (makeIdentity(o.kernelFunc) as unknown as KernelFunc)));
  install('Cast', (o) => (o === undefined ? null : (makeCast(o.kernelFunc) as unknown as KernelFunc)));
  for (const k of BATCH_NORM_KERNELS) install(k.kernelName, () => k.kernelFunc);
}

/** Restores the stock wasm kernels (for benchmarks and tests); the backend must be initialised already. */
export function unregisterWasmTrainingKernels(): void {
  for (const [name, original] of replaced) {
    if (!isOurs(name)) continue;
    unregisterKernel(name, WASM);
    if (original !== null) registerKernel(original);
  }
  replaced.clear();
}
