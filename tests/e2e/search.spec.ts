/**
 * Issue 15, like a person: a budget per candidate (settings, over-budget rows and points), successive halving and random
 * search (selectors, rungs in the table and the chart, resume mid-rung after a reload) and the compare view against
 * cumulative training seconds; axe clean.
 */
import { expect, test, type Page } from '@playwright/test';
import { bestVsSeconds } from '../../src/experiment/curves';
import { withoutTimings } from '../../src/experiment/runlog';
import { parseRunLog } from '../../src/experiment/runlogParser';
import { Lab, type MicroSettings } from './lab';
import { noSeriousViolations, runLogDownload as runLogText } from './page';

const runLogDownload = async (page: Page): Promise<ReturnType<typeof parseRunLog>> =>
  parseRunLog(await runLogText(page));

const table = (page: Page) => page.getByTestId('population-table');

async function prepare(lab: Lab, micro: MicroSettings): Promise<void> {
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  await lab.useSample();
  await lab.configure(micro);
}

test('a budget per candidate: set in the lab, shown with the table, over-budget rows and points, never trained', async ({
  page,
}) => {
  const lab = new Lab(page);
  // Seed 7 with filters up to 8: two of the four initial draws need more than 1 MFLOP per image even after 20 redraws.
  await prepare(lab, { population: 4, generations: 1, epochs: 1, perClass: 6, maxFilters: 8, seed: 7 });
  const mflops = page.getByLabel('Max MFLOPs', { exact: true });
  await expect(mflops).toHaveValue('');
  await lab.fill('Max MFLOPs', 1);
  await lab.fill('Max parameters', 100_000);
  await expect.poll(() => new URL(page.url()).searchParams.get('maxmf')).toBe('1');
  expect(new URL(page.url()).searchParams.get('maxp')).toBe('100000');
  // A value out of range is refused in place and blocks Start.
  await page.getByLabel('Max seconds per candidate', { exact: true }).fill('0');
  await expect(page.getByText('Max seconds per candidate must be from 1 to 10000000.')).toBeVisible();
  await expect(lab.button('Start')).toBeDisabled();
  await page.getByLabel('Max seconds per candidate', { exact: true }).fill('');
  await noSeriousViolations(page, 'budget settings');

  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await expect(page.getByTestId('budget')).toHaveText(
    'Budget per candidate: at most 100,000 parameters, 1 MFLOPs per image. Candidates over it show as over-budget: too large ones are never trained, too slow ones are stopped.',
  );
  const log = await runLogDownload(page);
  expect(log.config).toMatchObject({ maxMflops: 1, maxParams: 100000 });
  const over = log.phases.flatMap((p) => p.individuals).filter((i) => i.status === 'over-budget');
  expect(over.length).toBeGreaterThan(0);
  for (const i of over) {
    expect(i).toMatchObject({ fitness: null, epochsTrained: 0, seconds: 0 });
    expect(i.reason).toMatch(/MFLOPs per image exceed the budget of 1$/);
  }
  expect(log.best).not.toBeNull();
  expect(log.best?.chromosome).not.toEqual(over[0]?.chromosome);
  // The last phase's over-budget rows say so, with their cost; the chart draws every over-budget individual in its own colour.
  const lastOver = log.phases.at(-1)?.individuals.filter((i) => i.status === 'over-budget') ?? [];
  for (const i of lastOver) {
    const row = table(page).getByRole('row', { name: new RegExp(`^${i.index + 1} `) });
    await expect(row).toContainText(/over-budget: [\d.]+ MFLOPs per image exceed the budget of 1/);
    await expect(row).toContainText(((i.flops ?? 0) / 1e6).toFixed(2));
  }
  const chart = page.getByTestId('fitness-chart');
  await expect(chart).toHaveAttribute('data-over-budget', String(over.length));
  await expect(chart.locator('.points-over-budget .recharts-scatter-symbol')).toHaveCount(over.length);
  await expect(chart.getByText('over budget')).toBeVisible();
  await noSeriousViolations(page, 'run with over-budget candidates');
});

test('successive halving and random search: selectors, rungs in the table and chart, resumed mid-rung after a reload to the same run log', async ({
  page,
}) => {
  test.setTimeout(480_000);
  const lab = new Lab(page);
  // Four new candidates per phase (random search), eta 3, 3 epochs: rungs of 1 and 3 epochs, one candidate continues for
  // two more epochs (six batches of 70 images: long enough for the Pause below to land inside it).
  const micro: MicroSettings = { population: 4, generations: 1, epochs: 3, perClass: 10, maxFilters: 4, seed: 5 };
  const choose = async (): Promise<void> => {
    await page.getByLabel('Search strategy', { exact: true }).selectOption('random');
    await page.getByLabel('Fidelity', { exact: true }).selectOption('halving');
  };
  await prepare(lab, micro);
  // The halving factor only matters with halving: greyed out until it is chosen.
  await expect(page.getByLabel('Halving factor', { exact: true })).toBeDisabled();
  await choose();
  await expect(page.getByLabel('Halving factor', { exact: true })).toBeEnabled();
  await expect(page.getByLabel('Halving factor', { exact: true })).toHaveValue('3');
  await expect.poll(() => new URL(page.url()).searchParams.get('fid')).toBe('halving');
  expect(new URL(page.url()).searchParams.get('strategy')).toBe('random');
  await noSeriousViolations(page, 'search selectors');

  // Pause from inside the page once the last candidate of phase 1's first rung starts: the Pause lands in that training
  // (three candidates' kept trainings saved, the promotion still to come) or, on a slow page, in the continued training
  // of rung 2. Either is mid-rung with kept trainings in the checkpoint; a micro run is too quick to wait from outside.
  await page.evaluate(() => {
    const observer = new MutationObserver(() => {
      const current = document.querySelector('[data-testid="current-candidate"]');
      const pause = Array.from(document.querySelectorAll('button')).find((b) => b.textContent === 'Pause');
      if (
        /Phase 1 of 2, candidate 4 of 4 · rung 1 of 2|rung 2 of 2/.test(current?.textContent ?? '') &&
        pause &&
        !pause.disabled
      ) {
        observer.disconnect();
        pause.click();
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await lab.start();
  await expect(page.getByTestId('paused')).toBeVisible({ timeout: 120_000 });
  const current = page.getByTestId('current-candidate');
  await expect(current).toContainText(/Phase 1 of 2, candidate \d of 4 · rung [12] of 2, to [13] epochs/);
  const atRung2 = /rung 2 of 2, to 3 epochs/.test((await current.textContent()) ?? '');
  // The table shows the rung of every candidate, the one in training included.
  await expect(page.getByTestId('rungs')).toContainText(
    'Successive halving: rungs of 1, 3 epochs; the best 1/3 of each rung continue.',
  );
  await expect(table(page).getByRole('columnheader', { name: 'Rung' })).toBeVisible();
  await expect(table(page).locator('tr.status-training')).toContainText(atRung2 ? '2 of 2' : '1 of 2');
  await expect(table(page).locator('tbody tr:not(.status-training)').filter({ hasText: '1 of 2' })).toHaveCount(3);
  await expect(page.getByTestId('saved-status')).toContainText(
    atRung2 ? /after 4 of up to 8 candidates/ : /after 3 of up to 8 candidates/,
  );
  await noSeriousViolations(page, 'halving, paused mid-rung');

  await page.reload({ waitUntil: 'domcontentloaded' });
  await lab.waitForBackend('wasm');
  await page.getByRole('button', { name: 'Resume interrupted run' }).click();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 240_000 });
  const resumed = await runLogDownload(page);
  expect(resumed.config).toMatchObject({ strategy: 'random', fidelity: 'halving', eta: 3 });
  for (const p of resumed.phases) {
    expect(p.rungEpochs).toEqual([1, 3]);
    const complete = p.individuals.filter((i) => i.status === 'trained' && !i.partial);
    expect(complete.length).toBeGreaterThanOrEqual(1);
    for (const i of complete) expect(i.epochsTrained).toBe(3);
    for (const i of p.individuals.filter((x) => x.partial)) expect(i.epochsTrained).toBe(1);
  }
  const partial = resumed.phases.flatMap((p) => p.individuals).filter((i) => i.partial).length;
  expect(partial).toBeGreaterThan(0);
  const chart = page.getByTestId('fitness-chart');
  await expect(chart).toHaveAttribute('data-partial', String(partial));
  await expect(chart.locator('.points-partial .recharts-scatter-symbol')).toHaveCount(partial);

  // The same run never interrupted.
  await prepare(lab, micro);
  await choose();
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 240_000 });
  const straight = await runLogDownload(page);
  expect(withoutTimings(resumed)).toEqual(withoutTimings(straight));

  // A GA run with full training, to compare against on cost.
  await prepare(lab, micro);
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 240_000 });
  const ga = await runLogDownload(page);
  expect(ga.config).toMatchObject({ strategy: 'ga', fidelity: 'full' });

  // Run history: tick the GA run and the halving one; the compare view plots both against cumulative training seconds.
  const rows = page.getByTestId('run-history').locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('GA, pop 4');
  await expect(rows.nth(1)).toContainText('random search, halving ÷3, pop 4');
  await rows.nth(0).getByRole('checkbox').check();
  await rows.nth(1).getByRole('checkbox').check();
  const seconds = page.getByTestId('compare-seconds-chart');
  await expect(seconds.locator('.recharts-line-curve')).toHaveCount(2);
  await expect(seconds).toHaveAttribute(
    'aria-label',
    /^Best validation accuracy against cumulative training seconds: A best [\d.]+% reached after .* of .*trainings\); B best [\d.]+% reached after/,
  );
  const ends = (await seconds.getAttribute('data-seconds'))?.split(' ').map(Number) ?? [];
  expect(ends[0]).toBeCloseTo(bestVsSeconds(ga).at(-1)?.seconds ?? -1, 3);
  expect(ends[1]).toBeCloseTo(bestVsSeconds(straight).at(-1)?.seconds ?? -1, 3);
  await page.mouse.move(0, 0);
  await page.getByRole('region', { name: 'Run history' }).screenshot({ path: 'docs/screenshots/compare-cost.png' });
  await noSeriousViolations(page, 'compare against training seconds');
});
