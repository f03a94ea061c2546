/** Checks and actions on any screen of the lab, shared by the specs: axe, downloads, Try the model with a drawn face. */
import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Download, type Locator, type Page } from '@playwright/test';

/** Fails with every serious or critical axe violation on the page (or only inside `include`), each named with `screen`. */
export async function noSeriousViolations(page: Page, screen: string, include?: string): Promise<void> {
  const axe = new AxeBuilder({ page });
  const result = await (include === undefined ? axe : axe.include(include)).analyze();
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(serious).toEqual([]);
}

/** Clicks `button` (a button's exact accessible name, or a located control) and returns the download with its bytes. */
export async function download(page: Page, button: string | Locator): Promise<{ download: Download; bytes: Buffer }> {
  const control = typeof button === 'string' ? page.getByRole('button', { name: button, exact: true }) : button;
  const [dl] = await Promise.all([page.waitForEvent('download'), control.click()]);
  return { download: dl, bytes: await readFile(await dl.path()) };
}

/** The bytes of the file that clicking `button` downloads. */
export async function downloadBytes(page: Page, button: string | Locator): Promise<Buffer> {
  return (await download(page, button)).bytes;
}

/** The text (UTF-8) of the file that clicking `button` downloads. */
export async function downloadText(page: Page, button: string | Locator): Promise<string> {
  return (await downloadBytes(page, button)).toString('utf8');
}

/** The run log that "Download run log" gives, as text. */
export function runLogDownload(page: Page): Promise<string> {
  return downloadText(page, 'Download run log');
}

/**
 * A face-like PNG drawn in the page: a light head with dark eyes and mouth, centred on a dark `width` x 64 canvas (wider
 * than tall when `width` > 64). Deterministic, so two calls with the same width give the same bytes.
 */
export async function facePng(page: Page, width = 64): Promise<Buffer> {
  const base64 = await page.evaluate((w) => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = 64;
    const x = w / 2;
    const ctx = c.getContext('2d') as CanvasRenderingContext2D;
    ctx.fillStyle = '#444';
    ctx.fillRect(0, 0, w, 64);
    ctx.fillStyle = '#ccc';
    ctx.beginPath();
    ctx.ellipse(x, 32, 18, 24, 0, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = '#222';
    ctx.fillRect(x - 10, 24, 6, 4);
    ctx.fillRect(x + 4, 24, 6, 4);
    ctx.fillRect(x - 6, 42, 12, 3);
    return c.toDataURL('image/png').split(',')[1] as string;
  }, width);
  return Buffer.from(base64, 'base64');
}

/** The 7 rows of the probabilities table of Try the model. */
export const probabilityRows = (page: Page): Locator => page.getByTestId('probabilities').locator('tbody tr[data-p]');

/** Reads the 7 probabilities shown, checking each is in [0, 1] and that they sum to 1. */
export async function shownProbabilities(page: Page): Promise<number[]> {
  const rows = probabilityRows(page);
  await expect(rows).toHaveCount(7);
  const probs = await rows.evaluateAll((trs) => trs.map((r) => Number(r.getAttribute('data-p'))));
  expect(probs.every((p) => p >= 0 && p <= 1)).toBe(true);
  expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  return probs;
}

/** Chooses `png` (the drawn face by default) as the Face image of Try the model and returns the 7 probabilities shown. */
export async function tryModel(page: Page, png?: Buffer): Promise<number[]> {
  const input = page.getByLabel('Face image', { exact: true });
  const buffer = png ?? (await facePng(page));
  // Emptied first, so that choosing the same image again is a new choice.
  await input.setInputFiles([]);
  await input.setInputFiles({ name: 'face.png', mimeType: 'image/png', buffer });
  return shownProbabilities(page);
}
