import { expect, test } from '@playwright/test';
import { Lab } from './lab';

// This project launches Chromium with SwiftShader WebGPU (playwright.config.ts's webgpuArgs): correct and very slow, so the network is tiny.
test.describe('WebGPU (software adapter)', () => {
  test('a software WebGPU adapter ranks below wasm when nothing is forced', async ({ page }) => {
    const lab = new Lab(page);
    await lab.open();
    await lab.waitForBackend('wasm');
    await expect(lab.backend()).toContainText(/WebGPU adapter is software emulation/);
  });

  test('?backend=webgpu trains a tiny network on WebGPU', async ({ page }) => {
    const lab = new Lab(page);
    await lab.open('?backend=webgpu');
    await lab.waitForBackend('webgpu');
    await lab.useSample();
    await lab.configure({ population: 2, generations: 0, epochs: 1, perClass: 2, maxFilters: 2, seed: 3 });
    await lab.start();
    await expect(page.getByTestId('img-per-sec')).toBeVisible({ timeout: 180_000 });
    await expect.poll(() => lab.chartPoints(), { timeout: 200_000 }).toBeGreaterThanOrEqual(1);
    await expect(lab.backend()).toContainText('webgpu');
  });
});
