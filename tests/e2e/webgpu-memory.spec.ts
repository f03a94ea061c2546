import { expect, test } from '@playwright/test';
import type { MemoryRun } from '../../bench/pages/gpu-memory';
import type { RunConfig } from '../../src/worker/api';

// Runs in the chromium-webgpu project (SwiftShader WebGPU): slow, so tiny networks, 2 images per class, 1 epoch.
test('GPU memory stays flat across candidates of different architectures on WebGPU', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/bench/pages/gpu-memory.html', { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => typeof window.memoryRun === 'function');
  const config: RunConfig = {
    seed: 5,
    populationSize: 4,
    generations: 0,
    crossoverRate: 0.2,
    mutationRate: 0.1,
    maxFilters: 4,
    epochs: 1,
    batchSize: 32,
    patience: 0,
    augmentFlip: false,
    network: { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 },
    perClass: 2,
  };
  const r: MemoryRun = await page.evaluate((c) => window.memoryRun('webgpu', c), config);
  expect(r.choice.name).toBe('webgpu');
  expect(r.outcome).toBe('done');
  expect(r.evaluated).toHaveLength(4);
  expect(r.evaluated.map((e) => `${e.status}${e.reason ? `: ${e.reason}` : ''}`)).toEqual([
    'trained',
    'trained',
    'trained',
    'trained',
  ]);
  // Different architectures, so the exact-size buffer pool of one candidate does not fit the next.
  expect(new Set(r.started.map((s) => s.kernels.join(','))).size).toBeGreaterThan(1);

  const startedBytes = r.started.map((s) => s.memory?.gpuBytesAllocated);
  const afterBytes = r.evaluated.map((e) => e.memory?.gpuBytesAllocated);
  // The reading is live: after each candidate its freed buffers sit in the pool.
  for (const b of afterBytes) expect(b).toBeGreaterThan(0);
  // Every candidate starts on a fresh backend whose pool is empty: nothing of the previous candidate is kept.
  // Without recreateBackend() each start would hold the previous candidates' pooled buffers.
  expect(startedBytes).toEqual(r.started.map(() => 0));
  // Tensors: the same count at every start and after every candidate.
  const counts = new Set([
    ...r.started.map((s) => s.memory?.numTensors),
    ...r.evaluated.map((e) => e.memory?.numTensors),
  ]);
  expect(counts.size).toBe(1);
  // After the run (test evaluation of the best included) the pool is no larger than after the largest candidate.
  expect(r.after.gpuBytesAllocated ?? Infinity).toBeLessThanOrEqual(Math.max(...(afterBytes as number[])));
});
