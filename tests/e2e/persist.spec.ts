/** Issue 9: runs survive a reload, stay in a history (open, compare, export, import), and survive storage faults and a second tab. */
import { expect, test, type Page } from '@playwright/test';
import { withoutTimings, type RunLog } from '../../src/experiment/runlog';
import { parseRunLog } from '../../src/experiment/runlogParser';
import { fer2013Fixture } from '../helpers/fer2013';
import { Lab, type MicroSettings } from './lab';
import { downloadText, runLogDownload } from './page';

/** Micro settings: 2 phases of 2 candidates, tiny networks, a few images per class. */
const MICRO: MicroSettings = { population: 2, generations: 1, epochs: 1, perClass: 6, maxFilters: 4, seed: 11 };

/**
 * The micro settings with batches of 4, so that a candidate trains in a dozen batches, each a moment where a Pause
 * can land, and a high mutation rate, so that the later phases train new networks: repeats are cached and never
 * train, and with the default rates the first phase's second candidate may be the last one that trains.
 */
async function configure(lab: Lab, settings: MicroSettings): Promise<void> {
  await lab.configure(settings);
  await lab.fill('Batch size', 4);
  await lab.fill('Mutation rate', 0.9);
}

/** Opens the lab on wasm, loads the sample and sets the micro settings. */
async function prepare(lab: Lab, query = ''): Promise<void> {
  await lab.open(`?backend=wasm${query}`);
  await lab.waitForBackend('wasm');
  await lab.useSample();
  await configure(lab, MICRO);
}

/**
 * Presses Pause from inside the page once a later candidate than the first is in training: a micro run takes about
 * two seconds, too quick to catch from the test process. The trigger is the candidate in training, not the saved
 * status: saves land in IndexedDB behind the training, on a busy machine several candidates late, so by the time
 * "after 2" shows the run may be over. Any candidate after the first will do (a busy page may render one late):
 * paused in it, the run surely is mid-run, and the saves of the candidates before it land meanwhile. The Pause must
 * reach a candidate before its last batch: `configure` makes that a dozen batches, and more than one candidate after
 * the first trains.
 */
async function pauseMidRun(page: Page, total = 4): Promise<void> {
  await page.evaluate((last) => {
    const observer = new MutationObserver(() => {
      const current = document.querySelector('[data-testid="current-candidate"]');
      const pause = Array.from(document.querySelectorAll('button')).find((b) => b.textContent === 'Pause');
      const at = /Phase (\d+) of \d+, candidate (\d+) of (\d+)/.exec(current?.textContent ?? '');
      const overall = at ? (Number(at[1]) - 1) * Number(at[3]) + Number(at[2]) : 0;
      if (overall >= 2 && overall <= last && pause && !pause.disabled) {
        observer.disconnect();
        pause.click();
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  }, total);
}

/** What the saved status says once a run of `total` candidates is paused by pauseMidRun. */
const midRunSave = (total = 4): RegExp =>
  new RegExp(`after (${Array.from({ length: total - 1 }, (_, i) => i + 1).join('|')}) of up to ${total} candidates`);
const MID_RUN_SAVE = midRunSave();

/** The FER2013-file runs: 4 images per class of the small file train faster, so 4 phases (8 candidates). */
const FER_MICRO: MicroSettings = { ...MICRO, perClass: 4, generations: 3 };
const FER_TOTAL = 8;

const history = (page: Page) => page.getByTestId('run-history');
const rows = (page: Page) => history(page).locator('tbody tr');

test('a run interrupted by a reload resumes to the uninterrupted result; history opens, compares, exports and imports', async ({
  page,
}) => {
  const lab = new Lab(page);
  await prepare(lab);
  // Saved after the first candidate(s), then paused in the next: the reload lands mid-run, mid-candidate.
  await pauseMidRun(page);
  await lab.start();
  await expect(page.getByTestId('saved-status')).toContainText(MID_RUN_SAVE, { timeout: 90_000 });
  await expect(lab.button('Resume')).toBeEnabled();
  await expect(lab.status()).toHaveText('Running.');
  await page.reload({ waitUntil: 'domcontentloaded' });
  await lab.waitForBackend('wasm');

  const offer = page.getByTestId('resume-offer');
  await expect(offer).toContainText(
    /interrupted: started .* on synthetic sample \(60 per class\), [1-3] of up to 4 candidates/,
  );
  await offer.screenshot({ path: 'docs/screenshots/resume-offer.png' });
  await page.getByRole('button', { name: 'Resume interrupted run' }).click();
  // The candidate evaluated before the reload is shown again at once, then the run goes on.
  await expect
    .poll(() => page.getByTestId('population-table').locator('tbody tr').count(), { timeout: 10_000 })
    .toBeGreaterThanOrEqual(1);
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue(String(MICRO.seed));
  const resumed = parseRunLog(await runLogDownload(page));
  expect(resumed.outcome).toBe('done');
  expect(resumed.phases.flatMap((p) => p.individuals)).toHaveLength(4);

  // The same settings again, never interrupted.
  await prepare(lab);
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  const straight = parseRunLog(await runLogDownload(page));
  expect(withoutTimings(resumed)).toEqual(withoutTimings(straight));

  // History: both runs, done, with dataset, settings, accuracy and duration.
  await expect(rows(page)).toHaveCount(2);
  for (const row of await rows(page).all()) {
    await expect(row).toContainText('synthetic sample (60 per class)');
    await expect(row).toContainText('pop 2, 2 phases, 1 epoch, ≤4 filters, 6/class, seed 11');
    await expect(row).toContainText(/done4\/4\d+\.\d\d%\d+\.\d\d%\d/);
  }
  // The saved logs are the downloads' format and agree with them.
  const [newest, oldest] = await rows(page).all();
  const exportOf = async (row: typeof newest): Promise<string> =>
    downloadText(page, row!.getByRole('button', { name: /^Export run of/ }));
  const savedStraight = parseRunLog(await exportOf(newest));
  const savedResumed = parseRunLog(await exportOf(oldest));
  expect(withoutTimings(savedStraight)).toEqual(withoutTimings(straight));
  expect(withoutTimings(savedResumed)).toEqual(withoutTimings(straight));

  // Compare: two curves overlaid.
  await newest!.getByRole('checkbox').check();
  await oldest!.getByRole('checkbox').check();
  const compare = page.getByTestId('compare-chart');
  await expect(compare.locator('.recharts-line-curve')).toHaveCount(2);
  await expect(compare.locator('.recharts-legend-item')).toHaveCount(2);
  await page.mouse.move(0, 0);
  await page.getByRole('region', { name: 'Run history' }).screenshot({ path: 'docs/screenshots/run-history.png' });

  // Open the first run: its charts and tables as they were.
  await oldest!.getByRole('button', { name: /^Open run of/ }).click();
  await expect(page.getByTestId('viewing-run')).toContainText('read-only');
  // The population table shows the last phase (2 candidates); the phase table both phases.
  await expect(page.getByTestId('population-table').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('phase-table').locator('tbody tr')).toHaveCount(2);
  await expect
    .poll(() => lab.chartPoints())
    .toBe(savedResumed.phases.flatMap((p) => p.individuals).filter((i) => i.fitness !== null).length);
  await expect(lab.status()).toHaveText('Run complete.');
  // The downloads are the opened run's (its saved log, from the worker), its own model included (saved-model.spec.ts).
  expect(await runLogDownload(page)).toBe(await exportOf(oldest));
  await expect(lab.button('Download model')).toBeEnabled();
  await expect(page.getByLabel('Face image')).toBeEnabled();

  // Export, import, export again: byte for byte the same file.
  const text = await exportOf(newest);
  await page
    .getByLabel('Import run log')
    .setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await expect(rows(page)).toHaveCount(3);
  const imported = rows(page).filter({ hasText: '(imported)' });
  await expect(imported).toHaveCount(1);
  expect(await exportOf(imported)).toBe(text);
  // A file that is not a run log is refused with the field that is wrong.
  await page
    .getByLabel('Import run log')
    .setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"nope"}') });
  await expect(page.getByRole('region', { name: 'Run history' }).getByRole('alert')).toContainText(
    'run log: format must be "evolab-run-log"',
  );

  // Delete asks once more, then the row is gone.
  await imported.getByRole('button', { name: /^Delete run of/ }).click();
  await imported.getByRole('button', { name: /^Confirm delete/ }).click();
  await expect(rows(page)).toHaveCount(2);
});

test('storage full (simulated quota): a clear message, the run completes in memory, the last good save stays whole', async ({
  page,
}) => {
  const lab = new Lab(page);
  // Test hook: the first 3 writes succeed (run record, initial draw, first candidate), every later one is over quota.
  await prepare(lab, '&simulate=quota:3');
  await lab.start();
  await expect(page.getByTestId('storage-fault')).toContainText('Browser storage is full (quota exceeded)', {
    timeout: 90_000,
  });
  await expect(page.getByTestId('storage-fault')).toContainText('goes on in memory');
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  // The end and the model were refused too: the page says what is still at hand, and it is.
  await expect(page.getByTestId('storage-fault')).toContainText(
    'The run ended without its end and its model being saved: Download model and Download run log keep them',
  );
  await expect(lab.button('Download model')).toBeEnabled();
  const inMemory = parseRunLog(await runLogDownload(page));
  expect(inMemory.phases.flatMap((p) => p.individuals)).toHaveLength(4);
  // The saved copy stops at the first candidate and is still readable (and resumable).
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText('interrupted (can resume)1/4');
  const saved: RunLog = parseRunLog(
    await downloadText(
      page,
      rows(page)
        .first()
        .getByRole('button', { name: /^Export run of/ }),
    ),
  );
  expect(saved.phases[0]?.individuals).toEqual(inMemory.phases[0]?.individuals.slice(0, 1));
});

test('storage unavailable (simulated private mode): the lab says so and still runs', async ({ page }) => {
  const lab = new Lab(page);
  await prepare(lab, '&simulate=nostorage');
  await expect(page.getByTestId('storage-unavailable')).toContainText('Browser storage is unavailable');
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await expect(page.getByText('Storage is unavailable: nothing is saved.')).toBeVisible();
});

test('a second tab cannot drive the run the first tab runs, says why, and takes it over once that tab is gone', async ({
  page,
  context,
}) => {
  const a = new Lab(page);
  await prepare(a);
  await pauseMidRun(page);
  await a.start();
  await expect(page.getByTestId('saved-status')).toContainText(MID_RUN_SAVE, { timeout: 90_000 });
  await expect(a.button('Resume')).toBeEnabled();

  const pageB = await context.newPage();
  const b = new Lab(pageB);
  await b.open('?backend=wasm');
  await b.waitForBackend('wasm');
  await expect(pageB.getByTestId('run-elsewhere')).toContainText('Another tab of this lab is running the run started');
  await expect(pageB.getByTestId('run-elsewhere')).toContainText('only that tab can drive it');
  await expect(pageB.getByRole('button', { name: 'Resume interrupted run' })).toHaveCount(0);
  await expect(rows(pageB).first()).toContainText('running in another tab');
  await expect(
    rows(pageB)
      .first()
      .getByRole('button', { name: /^Delete run of/ }),
  ).toBeDisabled();

  // The first tab goes away (closed or crashed): its lock goes with it and the second tab offers the run.
  await page.close();
  const resume = pageB.getByRole('button', { name: 'Resume interrupted run' });
  await expect(resume).toBeVisible({ timeout: 15_000 });
  await resume.click();
  await expect(b.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await expect(rows(pageB).first()).toContainText('done4/4');
});

test('a run on a FER2013 file resumes after a reload with one click: its data comes from the copy kept in the browser', async ({
  page,
}) => {
  const fixture = fer2013Fixture();
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  await lab.chooseFile({ name: fixture.name, mimeType: 'text/csv', buffer: Buffer.from(fixture.csv) });
  await expect(lab.datasetSummary()).toContainText(fixture.name);
  await configure(lab, FER_MICRO);
  await pauseMidRun(page, FER_TOTAL);
  await lab.start();
  await expect(page.getByTestId('saved-status')).toContainText(midRunSave(FER_TOTAL), { timeout: 90_000 });
  await expect(page.getByTestId('data-copy')).toHaveText(
    `A copy of ${fixture.name} is kept in this browser: resuming this run after a reload or crash needs no file.`,
  );
  await expect(lab.button('Resume')).toBeEnabled();
  await page.reload({ waitUntil: 'domcontentloaded' });
  await lab.waitForBackend('wasm');

  // No file is loaded in the new page: the one click brings the data back from the kept copy.
  await expect(page.getByTestId('resume-data')).toHaveText(
    `Its data, ${fixture.name}, is kept in this browser: Resume needs no file.`,
  );
  await expect(lab.button('Start')).toBeDisabled();
  await page.getByRole('button', { name: 'Resume interrupted run' }).click();
  await expect(lab.datasetSummary()).toContainText(fixture.name);
  await expect(lab.datasetSummary()).toContainText(`${fixture.kept} images`);
  // The loader's report comes back with the data.
  await expect(lab.datasetSummary()).toContainText('duplicate rows removed');
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await expect(page.getByRole('region', { name: 'Saved runs' }).getByRole('alert')).toHaveCount(0);
  await expect(rows(page).first()).toContainText(`done${FER_TOTAL}/${FER_TOTAL}`);
});

test('when the browser refuses the space for a copy, a run on a FER2013 file says why and resumes once the same file is loaded again', async ({
  page,
}) => {
  const fixture = fer2013Fixture();
  const small = Buffer.from(fixture.csv);
  // One pixel changed: same size and row count, different data.
  const text = small.toString('utf8');
  const altered = Buffer.from(
    text.replace(
      /^(emotion,pixels,Usage\r?\n\d+,)(\d+)/,
      (_, head: string, px: string) => `${head}${Number(px) === 0 ? 1 : Number(px) - 1}`,
    ),
  );
  expect(altered.length).toBeLessThanOrEqual(small.length);
  expect(altered.equals(small)).toBe(false);
  const file = (buffer: Buffer) => ({ name: fixture.name, mimeType: 'text/csv', buffer });

  const lab = new Lab(page);
  // ?simulate=noopfs: the browser refuses the Origin Private File System space for the copy.
  await lab.open('?backend=wasm&simulate=noopfs');
  await lab.waitForBackend('wasm');
  await lab.chooseFile(file(small));
  await expect(lab.datasetSummary()).toContainText(fixture.name);
  await configure(lab, FER_MICRO);
  await pauseMidRun(page, FER_TOTAL);
  await lab.start();
  await expect(page.getByTestId('saved-status')).toContainText(midRunSave(FER_TOTAL), { timeout: 90_000 });
  const refusal =
    /the browser did not give the \d+ MB to keep a copy of .+ \(refused by the \?simulate=noopfs test hook\)/;
  await expect(page.getByTestId('data-copy')).toContainText(
    `Resuming this run after a reload or crash will ask for ${fixture.name} again: `,
  );
  await expect(page.getByTestId('data-copy')).toContainText(refusal);
  await expect(lab.button('Resume')).toBeEnabled();
  await page.reload({ waitUntil: 'domcontentloaded' });
  await lab.waitForBackend('wasm');

  const offer = page.getByTestId('resume-offer');
  await expect(offer).toContainText(`Load ${fixture.name} again first (it is checked by its SHA-256): `);
  await expect(offer).toContainText(refusal);
  const resume = page.getByRole('button', { name: 'Resume interrupted run' });
  const problem = page.getByRole('region', { name: 'Saved runs' }).getByRole('alert');
  await resume.click();
  await expect(problem).toContainText(
    `This run trained on ${fixture.name} (${fixture.kept} images after removing duplicates): load that file again`,
  );
  await lab.chooseFile(file(altered));
  await expect(lab.datasetSummary()).toContainText(fixture.name);
  await resume.click();
  await expect(problem).toContainText("The loaded data differs from the run's.");
  await expect(lab.status()).not.toHaveText('Running.');

  await lab.chooseFile(file(small));
  await expect(lab.datasetSummary()).toContainText(fixture.name);
  await resume.click();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await expect(problem).toHaveCount(0);
  await expect(rows(page).first()).toContainText(`done${FER_TOTAL}/${FER_TOTAL}`);
});
