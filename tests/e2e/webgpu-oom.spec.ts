import { expect, test } from '@playwright/test';
import type { BudgetRun } from '../pages/gpu-oom';
import type { RunConfig } from '../../src/worker/api';

/** Bytes of GPU buffer memory the simulated GPU has. */
const BUDGET = 16_000_000;

// Runs in the chromium-webgpu project: the app's own worker on SwiftShader WebGPU, whose devices are limited to BUDGET
// bytes (tests/pages/gpu-budget.ts). With seed 1 the GA draws first a candidate that needs about 24 MB of GPU buffers
// here, then one that needs about 12 MB (measured with an unlimited budget): the first must fail on its own with an
// out-of-memory reason, and the second must train on the fresh device the run makes for it.
test('a candidate too large for the GPU fails alone with an out-of-memory reason and the next one trains', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await page.goto('/tests/pages/gpu-oom.html', { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => typeof window.budgetRun === 'function');
  const config: RunConfig = {
    seed: 1,
    populationSize: 2,
    generations: 0,
    crossoverRate: 0.2,
    mutationRate: 0.1,
    maxFilters: 16,
    epochs: 1,
    batchSize: 32,
    patience: 0,
    augmentFlip: false,
    network: { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 },
    perClass: 2,
  };
  const r: BudgetRun = await page.evaluate(([b, c]) => window.budgetRun(b, c), [BUDGET, config] as const);
  expect(r.choice.name).toBe('webgpu');
  expect(r.outcome).toBe('done');
  const [large, small] = r.candidates;
  expect(r.candidates.map((c) => c.status)).toEqual(['failed', 'trained']);
  expect(large?.reason).toMatch(/^GPU out of memory: Failed to allocate a buffer of \d+ bytes/);
  expect(large?.params ?? 0).toBeGreaterThan(small?.params ?? Infinity);
  // The second candidate ran within the budget on a device of its own, and nothing of the failed one was left behind.
  expect(small?.gpuBytes ?? Infinity).toBeLessThanOrEqual(BUDGET);
  expect(small?.gpuBytes ?? 0).toBeGreaterThan(0);
  expect(large?.memory?.numTensors).toBe(small?.memory?.numTensors);
  // The real trainer's steps read nothing back from the GPU synchronously (tfjs warns when a kernel or a caller does).
  expect(r.workerConsole).toBe(true);
  expect(r.workerWarnings.filter((w) => /synchronously reading data from GPU/.test(w))).toEqual([]);
});
