/** Issue 16 item 2: a saved run opened from the history (after a reload) hands out its own best model; a run without one says why. */
import { expect, test, type Page } from '@playwright/test';
import { strFromU8, unzipSync } from 'fflate';
import { Lab, type MicroSettings } from './lab';
import { downloadBytes, facePng, noSeriousViolations, probabilityRows, tryModel } from './page';

const MICRO: MicroSettings = { population: 2, generations: 1, epochs: 1, perClass: 6, maxFilters: 4 };

const rows = (page: Page) => page.getByTestId('run-history').locator('tbody tr');

/** The files of the "Download model" zip. */
async function modelZip(page: Page): Promise<Record<string, Uint8Array>> {
  return unzipSync(new Uint8Array(await downloadBytes(page, 'Download model')));
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b));

/** The 7 probabilities Try the model shows for `png`, after checking that none are left from another model. */
async function tryFresh(page: Page, png: Buffer): Promise<number[]> {
  await expect(probabilityRows(page)).toHaveCount(0);
  return tryModel(page, png);
}

test('an opened saved run downloads and tries its own best model after a reload; an imported run log has none and says why', async ({
  page,
}) => {
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  await lab.useSample();
  const png = await facePng(page);

  // Run A, and the model it hands out right after it finished.
  await lab.configure({ ...MICRO, seed: 21 });
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  const ownA = await modelZip(page);
  const probsA = await tryFresh(page, png);

  // Run B, another seed: another search, other weights; the worker now holds B's model.
  await lab.configure({ ...MICRO, seed: 22 });
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  const ownB = await modelZip(page);
  expect(same(ownB['weights.bin'], ownA['weights.bin'])).toBe(false);

  // A reload empties the worker: what Open hands out can only come from the saved run.
  await page.reload({ waitUntil: 'domcontentloaded' });
  await lab.waitForBackend('wasm');
  await expect(rows(page)).toHaveCount(2);
  // Newest first: A is the second row.
  await rows(page)
    .nth(1)
    .getByRole('button', { name: /^Open run of/ })
    .click();
  await expect(page.getByTestId('viewing-run')).toContainText('read-only');
  await expect(lab.button('Download model')).toBeEnabled();
  const openedA = await modelZip(page);
  expect(Object.keys(openedA).sort()).toEqual(['evolab.json', 'model.json', 'weights.bin']);
  expect(same(openedA['weights.bin'], ownA['weights.bin'])).toBe(true);
  expect(strFromU8(openedA['model.json'] as Uint8Array)).toBe(strFromU8(ownA['model.json'] as Uint8Array));
  const info = JSON.parse(strFromU8(openedA['evolab.json'] as Uint8Array)) as {
    model: string;
    config: { seed: number };
  };
  expect(info).toMatchObject({ model: 'search', config: { seed: 21 } });
  expect(info).toEqual(JSON.parse(strFromU8(ownA['evolab.json'] as Uint8Array)));
  // Try the model answers with A's network: the same probabilities as when A had just finished.
  expect(await tryFresh(page, png)).toEqual(probsA);
  // The automation hook hands out the same model as the button.
  const viaHook = await page.evaluate(() => window.__evolab?.modelFiles());
  expect(same(Buffer.from(viaHook?.['weights.bin'] ?? '', 'base64'), ownA['weights.bin'])).toBe(true);

  // B opened in turn gives B's own model.
  await rows(page)
    .first()
    .getByRole('button', { name: /^Open run of/ })
    .click();
  await expect(lab.button('Download model')).toBeEnabled();
  expect(same((await modelZip(page))['weights.bin'], ownB['weights.bin'])).toBe(true);

  // An imported run log carries no weights: both buttons stay off and say why.
  const exported = await downloadBytes(
    page,
    rows(page)
      .nth(1)
      .getByRole('button', { name: /^Export run of/ }),
  );
  await page
    .getByLabel('Import run log')
    .setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: exported });
  await expect(rows(page)).toHaveCount(3);
  await rows(page)
    .filter({ hasText: '(imported)' })
    .getByRole('button', { name: /^Open run of/ })
    .click();
  await expect(page.getByTestId('viewing-run')).toContainText('read-only');
  await expect(lab.button('Download model')).toBeDisabled();
  await expect(page.getByLabel('Face image', { exact: true })).toBeDisabled();
  await expect(lab.button('Start camera')).toBeDisabled();
  await expect(page.getByText('This saved run has no model: an imported run log holds no weights.')).toHaveCount(2);
  await noSeriousViolations(page, 'imported run on view');
});
