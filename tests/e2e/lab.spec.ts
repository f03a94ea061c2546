import { expect, test } from '@playwright/test';
import { Lab, MICRO } from './lab';

test.describe('the lab on the wasm backend', () => {
  test('a person runs a micro evolution on the synthetic sample and watches it live', async ({ page }) => {
    const lab = new Lab(page);
    await lab.open('?backend=wasm');
    await lab.waitForBackend('wasm');
    await expect(lab.backend()).toContainText('forced by ?backend=wasm');
    await lab.useSample();
    await expect(page.getByTestId('face-grid')).toBeVisible();
    // Long enough (several seconds per candidate) to be seen and photographed mid-run.
    const settings = { ...MICRO, population: 3, epochs: 3, perClass: 15 };
    await lab.configure(settings);
    await lab.start();

    await expect(page.getByTestId('current-candidate')).toBeVisible();
    await expect.poll(() => lab.chartPoints(), { timeout: 120_000 }).toBeGreaterThanOrEqual(1);
    await expect(lab.status()).toHaveText('Running.');
    await expect(page.getByRole('table', { name: /Best chromosome so far/ })).toBeVisible();
    await expect(page.getByRole('table', { name: /Best chromosome so far/ }).getByRole('row')).toHaveCount(9);
    await page.screenshot({ path: 'docs/screenshots/lab-running.png', fullPage: true });

    await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
    const phases = settings.generations + 1;
    expect(await lab.chartPoints()).toBe(settings.population * phases);
    await expect(page.getByTestId('test-accuracy')).toBeVisible();
    await expect(page.getByRole('table', { name: /Confusion matrix/ })).toBeVisible();
  });

  test('Stop ends a run while a candidate trains, within 2 seconds', async ({ page }) => {
    const lab = new Lab(page);
    await lab.open('?backend=wasm');
    await lab.waitForBackend('wasm');
    await lab.useSample();
    await lab.configure({ ...MICRO, population: 4, epochs: 50, perClass: 40 });
    await lab.start();
    await expect(page.getByTestId('img-per-sec')).toBeVisible({ timeout: 60_000 });
    await expect(lab.button('Stop')).toBeEnabled();
    const clicked = Date.now();
    await lab.button('Stop').click();
    await expect(lab.status()).toHaveText('Run stopped.', { timeout: 2_000 });
    expect(Date.now() - clicked).toBeLessThan(2_000);
    await expect(lab.button('Start')).toBeEnabled();
    await expect(page.getByTestId('current-candidate')).toHaveCount(0);
  });

  test('without a GPU the lab picks wasm and says why', async ({ page }) => {
    const lab = new Lab(page);
    await lab.open();
    await lab.waitForBackend('wasm');
    await expect(lab.backend()).toContainText(/no hardware WebGPU adapter|software emulation/);
  });

  test('an impossible setting blocks Start and says why', async ({ page }) => {
    const lab = new Lab(page);
    await lab.open('?backend=wasm');
    await lab.waitForBackend('wasm');
    await lab.useSample();
    await page.getByLabel('Population', { exact: true }).fill('1');
    await expect(page.getByText('Population must be from 2 to 200.')).toBeVisible();
    await expect(lab.button('Start')).toBeDisabled();
    await page.getByLabel('Max filters', { exact: true }).fill('12');
    await expect(page.getByText('Max filters must be a power of two.')).toBeVisible();
    await page.getByLabel('Population', { exact: true }).fill('3');
    await page.getByLabel('Max filters', { exact: true }).fill('16');
    await expect(lab.button('Start')).toBeEnabled();
  });
});

test('the dataset view shows the splits the run will use: the cap per class applies', async ({ page }) => {
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  await lab.useSample();
  const trainRow = page.getByTestId('dataset-summary').getByRole('row', { name: /^train\b/ });
  await expect(trainRow.getByRole('cell').first()).toHaveText('42');
  await lab.fill('Images per class', 5);
  await expect(trainRow.getByRole('cell').first()).toHaveText('5');
  await expect(trainRow.getByRole('cell').last()).toHaveText('35');
});
