import { expect, test } from '@playwright/test';
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fer2013Fixture, realFer2013, skipNotice } from '../helpers/fer2013';
import { Lab } from './lab';

/** A generated FER2013-shaped file with planted duplicates (tests/helpers/fer2013.ts). */
const FIXTURE = fer2013Fixture();
const fixtureFile = { name: FIXTURE.name, mimeType: 'text/csv', buffer: Buffer.from(FIXTURE.csv) };
const REAL_SMALL = realFer2013('small');

/** A data row with `count` pixels (value `v`) for the hand-made bad files. */
const row = (label: number | string, count: number, usage = 'Training', v = 7): string =>
  `${label},${Array(count).fill(v).join(' ')},${usage}`;

test.describe('loading FER2013 files', () => {
  test('a FER2013 file loads with its duplicates; bad files are reported and leave it loaded; a micro run works on it', async ({
    page,
  }) => {
    const lab = new Lab(page);
    await lab.open('?backend=wasm');
    await lab.waitForBackend('wasm');

    await lab.chooseFile(fixtureFile);
    const summary = lab.datasetSummary();
    await expect(summary).toContainText(FIXTURE.name);
    await expect(summary).toContainText(`${FIXTURE.rows} rows`);
    await expect(summary).toContainText(`${FIXTURE.duplicateRows} duplicate rows removed`);
    await expect(summary).toContainText(`${FIXTURE.kept} images`);
    await expect(page.getByTestId('class-histogram')).toBeVisible();
    await expect.poll(() => lab.histogramBars()).toBeGreaterThanOrEqual(14);
    await expect(page.getByTestId('face-grid')).toBeVisible();

    // No valid row: line 2 has a pixel out of range, line 3 one pixel short, line 4 the label 9.
    const malformed = ['emotion,pixels,Usage', row(0, 2304, 'Training', 300), row(1, 2303), row(9, 2304), ''].join(
      '\n',
    );
    await lab.chooseFile({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(malformed) });
    const alert = page.getByTestId('load-error');
    await expect(alert).toHaveAttribute('role', 'alert');
    await expect(alert).toContainText('broken.csv was not loaded');
    await expect(alert).toContainText('3 bad rows skipped');
    await expect(alert.getByRole('listitem')).toHaveText([
      /^line 2: pixel 1 is "300", not an integer 0\.\.255$/,
      /^line 3: 2303 pixels, expected 2304$/,
      /^line 4: emotion is "9", not an integer 0\.\.6$/,
    ]);
    await expect(summary).toContainText(FIXTURE.name);
    await expect(summary).toContainText(`${FIXTURE.rows} rows`);

    await lab.chooseFile({ name: 'scores.csv', mimeType: 'text/csv', buffer: Buffer.from('name,score\nada,3\n') });
    await expect(alert).toContainText(
      'scores.csv was not loaded: not a FER2013 CSV: the header (line 1) must name the columns emotion and pixels',
    );
    await expect(alert.getByRole('listitem')).toHaveCount(0);
    await expect(summary).toContainText(FIXTURE.name);
    await expect(summary).toContainText(`${FIXTURE.duplicateRows} duplicate rows removed`);

    await lab.configure({ perClass: 3, population: 2, generations: 0, epochs: 1, maxFilters: 4, seed: 7 });
    await lab.start();
    await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
    expect(await lab.chartPoints()).toBe(2);
  });

  test('the real small FER2013 file loads with its 1,400 rows and 18 duplicates', async ({ page }) => {
    if (REAL_SMALL === undefined) console.log(skipNotice('small', 'loading the real small file in the lab'));
    test.skip(REAL_SMALL === undefined, 'needs the real fer2013-small.csv (FER2013_CSV or ../shared/data)');
    const lab = new Lab(page);
    await lab.open('?backend=wasm');
    await lab.chooseFile(REAL_SMALL ?? '');
    const summary = lab.datasetSummary();
    await expect(summary).toContainText('fer2013-small.csv');
    await expect(summary).toContainText('1,400 rows');
    await expect(summary).toContainText('18 duplicate rows removed');
    await expect(summary).toContainText('1,382 images');
  });

  test('a file dropped on the drop zone loads, and the split selector relabels the counts', async ({ page }) => {
    const lab = new Lab(page);
    await lab.open('?backend=wasm');
    // The first 100 rows of a FER2013 file, with an extra column that is ignored and reported.
    const lines = FIXTURE.csv.split('\n').slice(0, 101);
    const text = lines.map((l, i) => `${l},${i === 0 ? 'source' : 'kaggle'}`).join('\n');
    await lab.dropFile('first-100.csv', text);
    const summary = lab.datasetSummary();
    await expect(summary).toContainText('first-100.csv');
    await expect(summary).toContainText('100 rows');
    await expect(summary).toContainText('ignored: source');
    await expect(page.getByTestId('face-grid')).toBeVisible();

    await page.getByLabel('Split', { exact: true }).selectOption('paper');
    await expect(summary).toContainText('leaky: fitness measured on the test data');
    // Paper mode: fitness on the test data, so validation and test have the same counts.
    const counts = page.getByRole('table', { name: 'Images per class and split' });
    const total = (name: RegExp) => counts.getByRole('row', { name }).getByRole('cell').last();
    await expect(total(/^validation/)).toHaveText(await total(/^test/).innerText());
    await page.getByLabel('Split', { exact: true }).selectOption('canonical');
    await expect(summary).not.toContainText('leaky');
  });

  test('Cancel stops the load of a large file and keeps the dataset loaded before', async ({ page }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'evolab-e2e-'));
    try {
      // About 110 MB: copies of a FER2013 file's rows, so parsing takes long enough to be cancelled.
      const big = path.join(dir, 'fer2013-large.csv');
      const [header, ...rows] = FIXTURE.csv.trimEnd().split('\n');
      const body = `${rows.join('\n')}\n`;
      const fd = openSync(big, 'w');
      writeSync(fd, `${header}\n`);
      for (let written = 0; written < 110e6; written += body.length) writeSync(fd, body);
      closeSync(fd);

      const lab = new Lab(page);
      await lab.open('?backend=wasm');
      await lab.useSample();
      await lab.chooseFile(big);
      const progress = page.getByTestId('load-progress');
      await expect(progress).toBeVisible();
      await expect(progress.getByRole('progressbar')).toBeVisible();
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await expect(page.getByTestId('load-cancelled')).toContainText('Loading fer2013-large.csv was cancelled.');
      await expect(progress).toHaveCount(0);
      await expect(lab.datasetSummary()).toContainText('synthetic sample');
      await expect(lab.datasetSummary()).not.toContainText('fer2013-large.csv');
      await expect(page.getByRole('button', { name: 'Use synthetic sample' })).toBeEnabled();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
