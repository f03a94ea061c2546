/** Issue 16, item 6: the expected run time before Start follows the settings, and a real run takes about that long. */
import { expect, test, type Page } from '@playwright/test';
import { Lab } from './lab';
import { noSeriousViolations } from './page';

/** A small run: about half a minute of training on wasm here. */
const SMALL = { population: 4, generations: 1, epochs: 4, perClass: 40, maxFilters: 16, seed: 7 };

/** The estimate shown, in seconds (its machine-readable value), once it is there and differs from `other`. */
async function estimate(page: Page, other?: number): Promise<number> {
  const figure = page.getByTestId('cost-estimate');
  await expect(figure).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('cost-status')).toHaveText('', { timeout: 60_000 });
  if (other !== undefined)
    await expect
      .poll(async () => Number(await figure.getAttribute('data-seconds')), { timeout: 60_000 })
      .not.toBe(other);
  return Number(await figure.getAttribute('data-seconds'));
}

test('the lab estimates a run before Start, follows the settings, and the run takes about that long', async ({
  page,
}) => {
  const lab = new Lab(page);
  await lab.open('?backend=wasm&threads=1');
  await lab.waitForBackend('wasm');
  const figure = page.getByTestId('cost-estimate');
  await expect(page.getByRole('region', { name: 'Expected run time' })).toContainText('Load a dataset');
  await lab.useSample();
  await lab.configure(SMALL);
  // Early stopping can only shorten a run: with it the figure is an upper bound, and says so.
  await expect(figure).toContainText(/\(wasm, 1 thread\): at most about \d+ (s|min)\b.*early stopping/, {
    timeout: 60_000,
  });
  await lab.fill('Patience', 0);

  const base = await estimate(page);
  await expect(figure).toHaveText(/^Expected run time on this machine \(wasm, 1 thread\): about \d+ (s|min)$/);
  console.log(`estimate ${base}`);

  // Twice the epochs: the training part doubles (each training's fixed cost does not).
  await lab.fill('Epochs', 2 * SMALL.epochs);
  const doubled = await estimate(page, base);
  console.log(`epochs x2 ${doubled} (${(doubled / base).toFixed(2)}x)`);
  expect(doubled / base).toBeGreaterThan(1.5);
  expect(doubled / base).toBeLessThan(2.05);

  // Twice the population: about twice the trainings.
  await lab.fill('Population', 2 * SMALL.population);
  const bigger = await estimate(page, doubled);
  console.log(`population x2 ${bigger} (${(bigger / doubled).toFixed(2)}x)`);
  expect(bigger / doubled).toBeGreaterThan(1.4);
  expect(bigger / doubled).toBeLessThan(2.6);

  // The explanation opens from the keyboard and names the measured calibration networks.
  const summary = page.getByText('How this is estimated');
  await summary.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cost-calibration').getByRole('listitem').first()).toContainText(
    /network.*\([\d.]+ MFLOPs\): [\d.]+ ms per training image/,
  );
  await noSeriousViolations(page, 'estimate shown');

  // Back to the first settings: the same figure, from the calibration kept in the worker.
  await lab.fill('Population', SMALL.population);
  await lab.fill('Epochs', SMALL.epochs);
  await expect.poll(async () => Number(await figure.getAttribute('data-seconds')), { timeout: 30_000 }).toBe(base);

  // A real run against the estimate shown before Start: the same order of magnitude on a loaded machine.
  const started = Date.now();
  await lab.start();
  await expect(page.getByTestId('batch-progress')).toContainText(/about .+ left/, { timeout: 60_000 });
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  const actual = (Date.now() - started) / 1000;

  console.log(`actual ${actual.toFixed(1)} s, estimate ${base} s, ratio ${(actual / base).toFixed(2)}`);
  expect(actual / base).toBeGreaterThan(1 / 3);
  expect(actual / base).toBeLessThan(3);

  // The finished run teaches the estimate how long runs take in this tab: the figure for the same settings is scaled by
  // the ratio it measured (its wall time against the model's prediction for what it trained).
  const factorText = await page.getByTestId('cost-factor').innerText();
  const factor = Number(/Scaled by (\d+\.\d\d)/.exec(factorText)?.[1]);
  expect(factor).toBeGreaterThan(0);
  const learned = await estimate(page);
  console.log(`scaled by ${factor}: estimate after the run ${learned} s`);
  expect(learned / (base * factor)).toBeCloseTo(1, 1);
  await noSeriousViolations(page, 'run complete');
});
