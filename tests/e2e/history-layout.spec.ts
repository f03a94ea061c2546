/** Issue 16 item 4: the run history, with runs of every kind in it, fits its panel at 1280 and 390 px. */
import { expect, test, type Page } from '@playwright/test';
import { Lab, type MicroSettings } from './lab';
import { downloadBytes, noSeriousViolations } from './page';

const MICRO: MicroSettings = { population: 2, generations: 1, epochs: 1, perClass: 6, maxFilters: 4 };

const history = (page: Page) => page.getByTestId('run-history');
const rows = (page: Page) => history(page).locator('tbody tr');

/** Nothing in the history sticks out of its panel or the window: every button is whole and no scroll bar appears. */
async function historyFits(page: Page, width: number): Promise<void> {
  const region = page.getByRole('region', { name: 'Run history' });
  await region.scrollIntoViewIfNeeded();
  const panel = await region.boundingBox();
  expect(panel).not.toBeNull();
  if (!panel) return;
  expect(panel.x + panel.width).toBeLessThanOrEqual(width);
  const overflow = await region.evaluate((el) => ({
    panel: el.scrollWidth - el.clientWidth,
    page: document.documentElement.scrollWidth - window.innerWidth,
  }));
  expect(overflow).toEqual({ panel: 0, page: 0 });
  const buttons = await history(page).getByRole('button').all();
  expect(buttons.length).toBeGreaterThan(0);
  for (const button of buttons) {
    const box = await button.boundingBox();
    const name = await button.getAttribute('aria-label');
    expect(box, name ?? '').not.toBeNull();
    if (!box) continue;
    expect({ name, left: box.x >= panel.x, right: box.x + box.width <= panel.x + panel.width + 0.5 }).toEqual({
      name,
      left: true,
      right: true,
    });
  }
}

test('the history with a finished, an imported and a stopped run and a pending delete fits at 1280 and 390 px', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  await lab.useSample();
  await lab.configure({ ...MICRO, seed: 21 });
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });
  await expect(rows(page)).toHaveCount(1);

  // An imported run log (its row says so).
  const exported = await downloadBytes(
    page,
    rows(page)
      .first()
      .getByRole('button', { name: /^Export run of/ }),
  );
  await page
    .getByLabel('Import run log')
    .setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: exported });
  await expect(rows(page)).toHaveCount(2);
  const imported = rows(page).filter({ hasText: '(imported)' });

  // A stopped run adds Resume to its row; larger than the micro run, so that Stop lands mid-run.
  await lab.configure({ ...MICRO, population: 6, generations: 3, seed: 23 });
  await lab.start();
  await expect(page.getByTestId('saved-status')).toBeVisible({ timeout: 90_000 });
  await lab.button('Stop').click();
  await expect(lab.status()).toHaveText('Run stopped.', { timeout: 60_000 });
  await expect(rows(page)).toHaveCount(3);
  await expect(rows(page).first()).toContainText('stopped (can resume)');

  // A pending delete shows the widest button.
  await imported.getByRole('button', { name: /^Delete run of/ }).click();
  await expect(imported.getByRole('button', { name: /^Confirm delete/ })).toBeVisible();
  await page.mouse.move(0, 0);
  await historyFits(page, 1280);
  await page.getByRole('region', { name: 'Run history' }).screenshot({ path: 'docs/screenshots/history-1280.png' });
  await noSeriousViolations(page, 'history at 1280 px');
  await page.setViewportSize({ width: 390, height: 844 });
  await historyFits(page, 390);
  await page.getByRole('region', { name: 'Run history' }).screenshot({ path: 'docs/screenshots/history-390.png' });
  await noSeriousViolations(page, 'history at 390 px');
});
