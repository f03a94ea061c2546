/** Issue 16 item 1: a worker that dies mid-run ends in a clear message, a fresh worker, and a run that resumes from its last save. */
import { expect, test, type Page } from '@playwright/test';
import { withoutTimings } from '../../src/experiment/runlog';
import { parseRunLog } from '../../src/experiment/runlogParser';
import { fer2013Fixture } from '../helpers/fer2013';
import { Lab, type MicroSettings } from './lab';
import { noSeriousViolations, runLogDownload } from './page';

const MICRO: MicroSettings = { population: 2, generations: 1, epochs: 1, perClass: 6, maxFilters: 4, seed: 31 };

/** Crashes the first worker with `fault`, checks what the person sees, resumes, and compares with a run never interrupted. */
async function crashAndResume(page: Page, fault: string, reason: RegExp): Promise<void> {
  const lab = new Lab(page);
  await lab.open(`?backend=wasm&simulate=${fault}`);
  await lab.waitForBackend('wasm');
  await lab.useSample();
  await lab.configure(MICRO);
  await lab.start();

  // The page does not hang on "Running": it says what happened and what is kept.
  await expect(lab.status()).toContainText('Run failed: The training worker crashed', { timeout: 120_000 });
  await expect(lab.status()).toContainText(reason);
  await expect(lab.status()).toContainText(
    'a run in progress is saved up to its last evaluated candidate and can be resumed',
  );
  const hook = await page.evaluate(() => window.__evolab?.state());
  expect(hook?.status).toBe('error');
  expect(hook?.workerCrash).toMatch(reason);
  // The data went with the worker: the dataset panel says so, and Start waits for data.
  await expect(page.getByText('The training worker crashed and the data it held went with it')).toBeVisible();
  await expect(lab.button('Start')).toBeDisabled();
  // A fresh worker: the backend is chosen again, and the saved run is offered (its lock went with the dead worker).
  await lab.waitForBackend('wasm');
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toContainText(/1 of up to 4 candidates evaluated/, { timeout: 15_000 });
  await noSeriousViolations(page, `after ${fault}`);

  await page.getByRole('button', { name: 'Resume interrupted run' }).click();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  const resumed = parseRunLog(await runLogDownload(page));
  expect(resumed.phases.flatMap((p) => p.individuals)).toHaveLength(4);

  // The fresh worker does not crash again (the hook crashes the first one only): the same run, never interrupted.
  await lab.configure(MICRO);
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  const straight = parseRunLog(await runLogDownload(page));
  expect(withoutTimings(resumed)).toEqual(withoutTimings(straight));
}

test('a worker that dies of an uncaught error after a candidate: clear message, fresh worker, one-click resume to the uninterrupted result', async ({
  page,
}) => {
  await crashAndResume(page, 'crash:1', /simulated crash after 1 candidate \(\?simulate=crash:1\)/);
});

test('a wasm abort (out of memory) in a training step ends the worker the same way, not as a failed candidate', async ({
  page,
}) => {
  await crashAndResume(
    page,
    'abort:1',
    /the wasm backend crashed \(Aborted\(OOM\) \(simulated by \?simulate=abort:1\)\)/,
  );
});

test('a run on a FER2013 file whose worker crashed resumes with one click: the data comes back from the copy kept in the browser', async ({
  page,
}) => {
  const fixture = fer2013Fixture();
  const lab = new Lab(page);
  await lab.open('?backend=wasm&simulate=crash:1');
  await lab.waitForBackend('wasm');
  await lab.chooseFile({ name: fixture.name, mimeType: 'text/csv', buffer: Buffer.from(fixture.csv) });
  await expect(lab.datasetSummary()).toContainText(fixture.name);
  await lab.configure(MICRO);
  await lab.start();
  await expect(lab.status()).toContainText('Run failed: The training worker crashed', { timeout: 120_000 });
  await lab.waitForBackend('wasm');
  await expect(page.getByTestId('resume-data')).toHaveText(
    `Its data, ${fixture.name}, is kept in this browser: Resume needs no file.`,
    { timeout: 15_000 },
  );
  await noSeriousViolations(page, 'after a crash on a file');
  await page.getByRole('button', { name: 'Resume interrupted run' }).click();
  await expect(lab.datasetSummary()).toContainText(`${fixture.kept} images`);
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  const resumed = parseRunLog(await runLogDownload(page));
  expect(resumed.phases.flatMap((p) => p.individuals)).toHaveLength(4);
  expect(resumed.dataset.name).toBe(fixture.name);
});
