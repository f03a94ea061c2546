/** Issue 8, like a person: presets, Pause/Resume, Skip, live tables and charts, downloads that parse, Try the model, axe. */
import { expect, test } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { unzipSync, strFromU8 } from 'fflate';
import { loadExportedModel } from '../helpers/exportedModel';
import { Lab } from './lab';
import { download, facePng, noSeriousViolations, tryModel } from './page';
import type { RunLog } from '../../src/experiment/runlog';

/** "Quick look" made micro, so the whole run takes well under a minute on wasm. */
const MICRO = { population: 3, generations: 1, epochs: 2, perClass: 8, maxFilters: 4, seed: 7 };

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);

test('a person runs the live lab: preset, pause, resume, skip, tables, downloads, try the model', async ({ page }) => {
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  await noSeriousViolations(page, 'idle');
  await lab.useSample();

  // The preset fills every setting; then the person makes it micro.
  await page.getByLabel('Preset', { exact: true }).selectOption('Quick look');
  await expect(page.getByLabel('Population', { exact: true })).toHaveValue('4');
  await expect(page.getByLabel('Images per class', { exact: true })).toHaveValue('50');
  await expect(page.getByLabel('Max filters', { exact: true })).toHaveValue('32');
  await lab.configure(MICRO);
  await expect(page.getByLabel('Preset', { exact: true })).toHaveValue('');
  // The settings live in the address.
  await expect.poll(() => new URL(page.url()).searchParams.get('pop')).toBe('3');
  expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
  await expect(page.getByLabel('Crossover', { exact: true })).toHaveValue('two-point');
  await expect(page.getByLabel('Elitism', { exact: true })).toHaveValue('1');

  await lab.start();
  await expect(page.getByTestId('img-per-sec')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('current-candidate')).toContainText(/Phase 1 of 2, candidate \d of 3/);

  // Pause: the button swaps, and nothing moves for over a second.
  await lab.button('Pause').click();
  await expect(lab.button('Resume')).toBeEnabled();
  await expect(lab.button('Pause')).toBeDisabled();
  await expect(page.getByTestId('paused')).toBeVisible();
  await page.waitForTimeout(500);
  const frozen = await page.getByTestId('current-candidate').innerText();
  const evaluatedBefore = await page.locator('#run-progress').getAttribute('value');
  await page.waitForTimeout(1_200);
  expect(await page.getByTestId('current-candidate').innerText()).toBe(frozen);
  expect(await page.locator('#run-progress').getAttribute('value')).toBe(evaluatedBefore);
  await expect(lab.status()).toHaveText('Running.');
  await noSeriousViolations(page, 'running (paused)');
  await page.screenshot({ path: 'docs/screenshots/lab-1280.png', fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  // Readable at 390 px: nothing wider than the window.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: 'docs/screenshots/lab-390.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // Skip works while paused: the candidate in training is abandoned and shown as skipped.
  const skippedTitle = (await page.getByTestId('current-candidate').innerText()).match(/candidate (\d) of 3/)?.[1];
  await lab.button('Skip candidate').click();
  const population = page.getByTestId('population-table');
  await expect(population.getByRole('row', { name: new RegExp(`^${skippedTitle} .*skipped`) })).toBeVisible({
    timeout: 10_000,
  });

  await lab.button('Resume').click();
  await expect(lab.button('Pause')).toBeEnabled();
  await expect(page.getByTestId('paused')).toHaveCount(0);

  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await noSeriousViolations(page, 'finished');

  // The run log matches the charts and tables.
  const { download: logDl, bytes: logBytes } = await download(page, 'Download run log');
  expect(logDl.suggestedFilename()).toBe('run.json');
  const log = JSON.parse(logBytes.toString('utf8')) as RunLog;
  expect(log.format).toBe('evolab-run-log');
  expect(log.outcome).toBe('done');
  expect(log.seed).toBe(MICRO.seed);
  expect(log.config).toMatchObject({
    populationSize: 3,
    generations: 1,
    epochs: 2,
    perClass: 8,
    maxFilters: 4,
    crossover: 'two-point',
    elitism: 1,
  });
  expect(log.backend.name).toBe('wasm');
  expect(log.phases).toHaveLength(MICRO.generations + 1);
  const records = log.phases.flatMap((p) => p.individuals);
  expect(records).toHaveLength(MICRO.population * (MICRO.generations + 1));
  expect(records.filter((r) => r.status === 'skipped')).toHaveLength(1);
  const measured = records.filter((r) => r.fitness !== null).length;
  expect(await lab.chartPoints()).toBe(measured);
  await expect(page.getByTestId('fitness-chart')).toHaveAttribute('data-points', String(measured));

  // Table 3 form: one row per phase with the logged best accuracy.
  const phaseRows = page.getByTestId('phase-table').locator('tbody tr');
  await expect(phaseRows).toHaveCount(log.phases.length);
  for (const [i, p] of log.phases.entries()) {
    await expect(phaseRows.nth(i).locator('td').first()).toHaveText(pct(p.best));
  }
  // Table 2 form: the best chromosome of the log, gene by gene.
  const best = log.best;
  expect(best).not.toBeNull();
  if (!best) return;
  expect(best.testAccuracy).not.toBeNull();
  const table2 = page.getByRole('table', { name: /Best chromosome so far/ });
  const bodyRows = table2.locator('tbody tr');
  await expect(bodyRows).toHaveCount(6);
  for (const [i, g] of best.chromosome.conv.entries()) {
    await expect(bodyRows.nth(i).locator('td')).toHaveText([
      String(g.filters),
      `${g.kernel}x${g.kernel}`,
      g.activation,
    ]);
  }
  await expect(table2.locator('tfoot tr').nth(0).locator('td')).toHaveText(best.chromosome.optimizer);
  await expect(table2.locator('tfoot tr').nth(1).locator('td')).toHaveText(best.chromosome.learningRate.toPrecision(3));
  await expect(page.getByTestId('best-fitness')).toHaveText(pct(best.valAccuracy));
  await expect(page.getByTestId('test-accuracy')).toHaveText(`${((best.testAccuracy ?? 0) * 100).toFixed(1)}%`);
  await expect(page.getByTestId('paper-comparison')).toContainText('76.11%');
  await expect(page.getByTestId('paper-comparison')).toContainText('data the GA never saw');

  // The population table sorts by fitness with its header button and says so with aria-sort.
  const fitnessHeader = population.getByRole('columnheader', { name: 'Fitness' });
  await fitnessHeader.getByRole('button').click();
  await expect(fitnessHeader).toHaveAttribute('aria-sort', 'descending');
  const lastPhase = log.phases[log.phases.length - 1];
  const expectedOrder = [...(lastPhase?.individuals ?? [])]
    .sort((a, b) => (b.fitness ?? -1) - (a.fitness ?? -1) || a.index - b.index)
    .map((r) => String(r.index + 1));
  await expect(population.locator('tbody tr th')).toHaveText(expectedOrder);

  // The model zip loads with tf.loadLayersModel and carries the chromosome and metrics.
  const { download: modelDl, bytes: zipBytes } = await download(page, 'Download model');
  expect(modelDl.suggestedFilename()).toBe('evolab-model.zip');
  const files = unzipSync(new Uint8Array(zipBytes));
  expect(Object.keys(files).sort()).toEqual(['evolab.json', 'model.json', 'weights.bin']);
  const model = await loadExportedModel(
    strFromU8(files['model.json'] as Uint8Array),
    files['weights.bin'] as Uint8Array,
  );
  expect(model.outputs[0]?.shape).toEqual([null, 7]);
  const out = tf.tidy(() => Array.from((model.predict(tf.zeros([1, 48, 48, 1])) as tf.Tensor).dataSync()));
  expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  model.dispose();
  const info = JSON.parse(strFromU8(files['evolab.json'] as Uint8Array)) as {
    chromosome: unknown;
    best: { testAccuracy: number };
  };
  expect(info.chromosome).toEqual(best.chromosome);
  expect(info.best.testAccuracy).toBe(best.testAccuracy);

  // Population history as CSV: a header and one row per individual.
  const { bytes: csv } = await download(page, 'Download population CSV');
  const lines = csv.toString('utf8').trim().split('\n');
  expect(lines[0]).toMatch(/^phase,index,status,reason,fitness,seconds,params,optimizer,learning_rate,conv1_filters/);
  expect(lines).toHaveLength(records.length + 1);
  // The fitness chart as SVG (the CLI's fitness.svg figure) with one titled dot per measured individual.
  const { bytes: svg } = await download(page, 'Download fitness chart');
  const svgText = svg.toString('utf8');
  expect(svgText).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svgText.match(/<circle [^>]*><title>#/g)?.length ?? 0).toBe(measured);

  // The automation hook gives tools the same run log as the download, and the lab's state as data.
  const viaHook = await page.evaluate(() => window.__evolab?.runLog());
  expect(JSON.stringify(viaHook, null, 2)).toBe(logBytes.toString('utf8'));
  const state = await page.evaluate(() => window.__evolab?.state());
  expect(state).toMatchObject({
    status: 'done',
    runError: null,
    backend: { name: 'wasm' },
    startBlocked: null,
    datasetError: null,
  });

  // Try the model: a face-like PNG made in the page, on a canvas wider than tall, gives 7 probabilities summing to 1.
  await tryModel(page, await facePng(page, 96));
  // The crop the model saw is drawn: grey levels, not an empty canvas.
  const drawn = await page.getByTestId('try-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, 48, 48).data;
    let max = 0;
    for (let i = 0; i < d.length; i += 4) max = Math.max(max, d[i] as number);
    return max;
  });
  expect(drawn).toBeGreaterThan(150);
});

test('settings load from the address, and an impossible GA setting blocks Start in place', async ({ page }) => {
  const lab = new Lab(page);
  await lab.open(
    '?backend=wasm&pop=5&gens=2&cx=k-point&cxk=4&sel=roulette&elite=9&flip=true&maxf=12&split=paper-clean',
  );
  await lab.waitForBackend('wasm');
  await expect(page.getByLabel('Population', { exact: true })).toHaveValue('5');
  await expect(page.getByLabel('Generations', { exact: true })).toHaveValue('2');
  await expect(page.getByLabel('Crossover', { exact: true })).toHaveValue('k-point');
  await expect(page.getByLabel('Crossover points', { exact: true })).toHaveValue('4');
  await expect(page.getByLabel('Selection', { exact: true })).toHaveValue('roulette');
  await expect(page.getByLabel('Tournament size', { exact: true })).toBeDisabled();
  await expect(page.getByLabel('Flip augmentation', { exact: true })).toBeChecked();
  await expect(page.getByLabel('Split', { exact: true })).toHaveValue('paper-clean');
  await expect(page.getByRole('alert')).toContainText('maxf=12: Max filters must be a power of two');
  // An elitism the population cannot hold is moved to the largest it can, and said so.
  await expect(page.getByRole('alert')).toContainText(
    'elite=9: Elitism must be at most 4 (population minus one); using 4',
  );
  await expect(page.getByLabel('Elitism', { exact: true })).toHaveValue('4');
  await lab.useSample();
  await expect(lab.button('Start')).toBeEnabled();
  await lab.fill('Elitism', 5);
  await expect(page.getByText('Elitism must be at most 4 (population minus one).')).toBeVisible();
  await expect(lab.button('Start')).toBeDisabled();
  await page.getByLabel('Mutation rate', { exact: true }).fill('1.5');
  await expect(page.getByText('Mutation rate must be from 0 to 1.')).toBeVisible();
  await lab.fill('Elitism', 1);
  await page.getByLabel('Mutation rate', { exact: true }).fill('0.3');
  await expect(lab.button('Start')).toBeEnabled();
  await expect.poll(() => new URL(page.url()).searchParams.get('mutpb')).toBe('0.3');
  // Keyboard: the preset picker is reachable and changes the settings.
  await page.getByLabel('Preset', { exact: true }).focus();
  await page.getByLabel('Preset', { exact: true }).selectOption('Paper: population 10, 3 generations');
  await expect(page.getByLabel('Population', { exact: true })).toHaveValue('10');
  await expect(page.getByLabel('Mutation rate', { exact: true })).toHaveValue('0.1');
});
