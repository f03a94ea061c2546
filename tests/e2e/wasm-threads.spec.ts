import { expect, test } from '@playwright/test';
import { Lab, MICRO } from './lab';

test.describe('wasm with threads in the app worker', () => {
  test('?threads=2 runs XNNPACK on 2 threads (a pthread worker beside the training worker) and a micro evolution completes', async ({
    page,
  }) => {
    let workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    const lab = new Lab(page);
    // Control: one thread is the single-threaded build, which starts no pthread worker.
    await lab.open('?backend=wasm&threads=1');
    await lab.waitForBackend('wasm');
    await expect(lab.backend()).toContainText('1 thread');
    expect(workers.filter((u) => u.startsWith('blob:'))).toEqual([]);
    workers = [];
    await lab.open('?backend=wasm&threads=2');
    await lab.waitForBackend('wasm');
    await expect(lab.backend()).toContainText('2 threads');
    // The training worker (a module script of the app) and the pthread worker, started from a Blob of tfjs's source.
    expect(workers.filter((u) => u.startsWith('blob:')).length).toBeGreaterThanOrEqual(1);
    await lab.useSample();
    await lab.configure(MICRO);
    await lab.start();
    await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
    expect(await lab.chartPoints()).toBe(MICRO.population * (MICRO.generations + 1));
  });

  test('training steps on 2 wasm threads in a module worker follow the cpu backend', async ({ page }) => {
    const chromosome = {
      conv: [4, 4, 8, 8, 8, 8].map((filters) => ({ filters, kernel: 3, activation: 'relu' })),
      optimizer: 'sgd',
      learningRate: 0.01,
    };
    const options = { chromosome, batch: 8, warmup: 2, steps: 1, capSeconds: 60, profile: false };
    const losses: Record<string, number> = {};
    for (const query of ['backend=cpu', 'backend=wasm&threads=2']) {
      await page.goto(`/bench/pages/train.html?${query}`, { waitUntil: 'domcontentloaded' });
      await page.waitForFunction(() => typeof window.trainBench === 'function');
      const r = await page.evaluate((o) => window.trainBench(o as never), options);
      if (query.includes('wasm')) expect(r.choice.threads).toBe(2);
      losses[r.choice.name] = r.loss;
    }
    const cpu = losses.cpu ?? Number.NaN;
    const wasm = losses.wasm ?? Number.NaN;
    expect(Number.isFinite(cpu)).toBe(true);
    // Three SGD steps of the same seeded network on the same seeded batch: float32 kernels differ only in rounding.
    expect(Math.abs(wasm - cpu) / Math.max(1, Math.abs(cpu))).toBeLessThan(1e-4);
  });
});
