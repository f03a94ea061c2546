/** Issue 18, like a person: a two-objective search in the lab, the front live, Use this model on a small member, its download and Try the model. */
import { expect, test } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { loadExportedModel } from '../helpers/exportedModel';
import { Lab } from './lab';
import { downloadBytes, noSeriousViolations, tryModel } from './page';
import type { RunLog } from '../../src/experiment/runlog';

// Two epochs of batch 8 with a 16-unit head lift some networks above chance, so the front has more than one member (seed 1: 3).
const MICRO = { population: 4, generations: 1, epochs: 2, perClass: 6, maxFilters: 8, seed: 1 };

test('a person runs a two-objective search, watches the front, uses a small model, downloads it and tries it', async ({
  page,
}) => {
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  await lab.useSample();
  await lab.configure(MICRO);
  await lab.fill('Crossover rate', 0.8);
  await lab.fill('Mutation rate', 0.8);
  await lab.fill('Batch size', 8);
  await lab.fill('Dense units', 16);

  // The objectives selector: accuracy is always on; ticking Parameters makes it a Pareto search (NSGA-II).
  const objectives = page.getByRole('group', { name: 'Objectives' });
  await expect(objectives.getByRole('checkbox', { name: 'Accuracy' })).toBeChecked();
  await expect(objectives.getByRole('checkbox', { name: 'Accuracy' })).toBeDisabled();
  await objectives.getByRole('checkbox', { name: 'Parameters' }).check();
  await expect.poll(() => new URL(page.url()).searchParams.get('obj')).toBe('accuracy,params');
  // Elitism and selection belong to the single-objective search: greyed out, not hidden.
  await expect(page.getByLabel('Elitism', { exact: true })).toBeDisabled();
  await expect(page.getByLabel('Selection', { exact: true })).toBeDisabled();
  // Successive halving ranks by accuracy alone: with two objectives the lab says so in place and will not start.
  await expect(lab.button('Start')).toBeEnabled();
  await page.getByLabel('Fidelity', { exact: true }).selectOption('halving');
  await expect(
    page.getByText('Fidelity must be full with two or more objectives (successive halving ranks by accuracy alone).'),
  ).toBeVisible();
  await expect(lab.button('Start')).toBeDisabled();
  await page.getByLabel('Fidelity', { exact: true }).selectOption('full');
  await expect(lab.button('Start')).toBeEnabled();

  await lab.start();
  // The front grows live, candidate by candidate.
  const chart = page.getByTestId('pareto-chart');
  await expect(chart).toHaveAttribute('data-front', /^[1-9]\d*$/, { timeout: 60_000 });
  await expect(page.getByTestId('front-table').getByRole('button', { name: 'Use this model' }).first()).toBeDisabled();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 120_000 });
  await noSeriousViolations(page, 'finished');

  const log = JSON.parse((await downloadBytes(page, 'Download run log')).toString('utf8')) as RunLog;
  expect(log.config.objectives).toEqual(['accuracy', 'params']);
  const front = (log.phases.at(-1)?.front ?? []).map((r) => log.phases[r.phase]?.individuals[r.index]);
  expect(front.length).toBeGreaterThanOrEqual(2);
  const evaluated = log.phases.flatMap((p) => p.individuals).filter((r) => r.objectives);
  for (const r of evaluated) expect(r.objectives?.latencyMs).toBeGreaterThan(0);
  await expect(chart).toHaveAttribute('data-front', String(front.length));
  await expect(chart).toHaveAttribute('data-points', String(evaluated.length));
  // Dominated points can be hidden; the front stays.
  await page.getByLabel('Hide dominated').check();
  await expect(chart).toHaveAttribute('data-points', String(front.length));
  await page.getByLabel('Hide dominated').uncheck();
  // Hovering a point shows its chromosome and every objective.
  await chart.locator('.recharts-scatter-symbol').last().hover();
  await expect(page.getByTestId('pareto-hover')).toContainText(/candidate \d[\s\S]*parameters[\s\S]*ms[\s\S]*·/);

  // The table lists the front, most accurate first; the default model is the most accurate one.
  const rows = page.getByTestId('front-table').locator('tbody tr');
  await expect(rows).toHaveCount(front.length);
  await expect(rows.first()).toContainText('in use');
  // The smallest network is the last row: use it.
  const small = front[front.length - 1];
  if (!small) throw new Error('no front');
  const row = rows.last();
  await row.getByRole('button', { name: 'Use this model' }).click();
  await expect(row).toContainText('in use');
  await expect(rows.first()).not.toContainText('in use');
  await expect(page.getByTestId('best-fitness')).toHaveText(`${((small.fitness ?? 0) * 100).toFixed(2)}%`);
  await noSeriousViolations(page, 'model chosen');

  const chosenLog = JSON.parse((await downloadBytes(page, 'Download run log')).toString('utf8')) as RunLog;
  expect(chosenLog.best).toMatchObject({
    chosen: true,
    phase: small.phase,
    index: small.index,
    chromosome: small.chromosome,
  });
  expect(chosenLog.best?.testAccuracy).toEqual(expect.any(Number));
  await expect(page.getByTestId('test-accuracy')).toHaveText(
    `${((chosenLog.best?.testAccuracy ?? 0) * 100).toFixed(1)}%`,
  );

  // The downloaded model is the small one: its metadata, its parameter count, and it predicts.
  const files = unzipSync(new Uint8Array(await downloadBytes(page, 'Download model')));
  const modelJson = strFromU8(files['model.json'] as Uint8Array);
  const metadata = (JSON.parse(modelJson) as { userDefinedMetadata: { evolab: { chromosome: unknown } } })
    .userDefinedMetadata;
  expect(metadata.evolab.chromosome).toEqual(small.chromosome);
  const weights = files['weights.bin'] as Uint8Array;
  const model = await loadExportedModel(modelJson, weights);
  expect(model.countParams()).toBe(small.params);
  model.dispose();
  expect((JSON.parse(strFromU8(files['evolab.json'] as Uint8Array)) as { chromosome: unknown }).chromosome).toEqual(
    small.chromosome,
  );

  // Try the model runs the chosen network on an image of the person's.
  await tryModel(page);
  await page.screenshot({ path: 'docs/screenshots/pareto.png', fullPage: true });

  // The choice is kept with the saved run: after a reload, the opened run names it and Download model gives it.
  await lab.reloadAndOpenTheSavedRun();
  await expect(page.getByTestId('best-fitness')).toHaveText(`${((small.fitness ?? 0) * 100).toFixed(2)}%`);
  await expect(page.getByTestId('front-table').getByRole('button', { name: 'Use this model' }).first()).toBeDisabled();
  await expect(lab.button('Download model')).toBeEnabled();
  const reopened = unzipSync(new Uint8Array(await downloadBytes(page, 'Download model')));
  expect(reopened['weights.bin']).toEqual(weights);
  await noSeriousViolations(page, 'saved run reopened');
});
