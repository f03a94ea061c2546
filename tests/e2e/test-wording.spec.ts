/** The test results say what the test images are: unseen by the GA, or (paper split) the very images it selected on. */
import { expect, test } from '@playwright/test';
import { Lab, type MicroSettings } from './lab';

const MICRO: MicroSettings = { population: 2, generations: 0, epochs: 1, perClass: 6, maxFilters: 4, seed: 3 };

const cases = [
  { split: 'paper', unseen: false },
  { split: 'paper-clean', unseen: true },
] as const;

for (const { split, unseen } of cases) {
  test(`with the ${split} split the test results ${unseen ? 'call the test images unseen' : 'say the GA selected on the test images'}`, async ({
    page,
  }) => {
    const lab = new Lab(page);
    await lab.open('?backend=wasm');
    await lab.waitForBackend('wasm');
    await lab.useSample();
    await page.getByLabel('Split', { exact: true }).selectOption(split);
    await lab.configure(MICRO);
    await lab.start();
    await expect(lab.status()).toHaveText('Run complete.', { timeout: 120_000 });
    const results = page.getByRole('region', { name: 'Test results of the best model' });
    const accuracy = results.getByTestId('test-accuracy').locator('..');
    const comparison = results.getByTestId('paper-comparison');
    if (unseen) {
      await expect(accuracy).toContainText('images the GA never saw');
      await expect(comparison).toContainText('Ours: ');
      await expect(comparison).toContainText('on data the GA never saw');
    } else {
      for (const text of [accuracy, comparison]) await expect(text).not.toContainText('never saw');
      await expect(accuracy).toContainText('the same images the GA selected on');
      await expect(accuracy).toContainText('not independent of the search');
      await expect(comparison).toContainText('measured on the split the GA selected on, as theirs');
    }
  });
}
