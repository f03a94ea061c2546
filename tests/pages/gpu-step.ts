/// <reference types="vite/client" />
/**
 * Test page: `window.compareSteps(backend, cases)` runs each case's training steps on cpu and on `backend` (webgpu or
 * webgl, initialised by the app's own chooseBackend) and returns per-weight differences. Used by
 * tests/e2e/gpu-step.spec.ts and tests/e2e/webgpu-step.spec.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, type BackendChoice } from '../../src/ml/backend';
import { watchCpuWork, type CpuWork } from './cpu-work';
import { compareCase, type CaseReport, type StepCase } from './step-compare';

declare global {
  interface Window {
    compareSteps: (
      backend: 'webgpu' | 'webgl',
      cases: readonly StepCase[],
    ) => Promise<{ choice: BackendChoice; reports: CaseReport[] }>;
    provokeCpuFallback: (backend: 'webgpu' | 'webgl') => Promise<CpuWork>;
  }
}

const out = document.getElementById('out') as HTMLElement;

window.compareSteps = async (backend, cases) => {
  const choice = await chooseBackend(backend);
  if (choice.name !== backend) throw new Error(`${backend} unavailable: ${choice.reason}`);
  const reports: CaseReport[] = [];
  for (const c of cases) {
    out.textContent = `${backend}: case ${c.id} (${reports.length + 1} of ${cases.length})`;
    reports.push(await compareCase(c, backend));
  }
  out.textContent = `${backend}: ${reports.length} cases compared`;
  return { choice, reports };
};
/** Tiles a rank-6 tensor that lives on the GPU: both GPU backends do that on the CPU, so the watch must report it. */
window.provokeCpuFallback = async (backend) => {
  const choice = await chooseBackend(backend);
  if (choice.name !== backend) throw new Error(`${backend} unavailable: ${choice.reason}`);
  const watch = watchCpuWork(backend);
  try {
    const tiled = tf.tidy(() => {
      const x = tf.ones([2, 2, 2, 2, 2, 64]);
      return tf.tile(tf.add(x, x), [1, 1, 1, 1, 1, 2]);
    });
    await tiled.data();
    tiled.dispose();
  } finally {
    watch.stop();
  }
  return watch.report();
};
out.textContent = 'ready';
