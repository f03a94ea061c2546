/** Drives the lab like a person: labelled fields, named buttons, the live status line. */
import { expect, type Page } from '@playwright/test';

export interface MicroSettings {
  population: number;
  generations: number;
  epochs: number;
  perClass: number;
  maxFilters: number;
  seed?: number;
}

/** Micro settings that train in seconds on wasm. */
export const MICRO: MicroSettings = { population: 2, generations: 1, epochs: 1, perClass: 6, maxFilters: 8, seed: 7 };

export class Lab {
  constructor(readonly page: Page) {}

  async open(query = ''): Promise<void> {
    await this.page.goto(`/${query}`, { waitUntil: 'domcontentloaded' });
    await expect(this.page.getByRole('heading', { name: 'Evolab' })).toBeVisible();
  }

  backend() {
    return this.page.getByTestId('backend');
  }

  status() {
    return this.page.getByRole('status');
  }

  async waitForBackend(name: string): Promise<void> {
    await expect(this.backend()).not.toContainText('choosing', { timeout: 60_000 });
    await expect(this.backend()).toContainText(`Backend: ${name}`, { timeout: 1_000 });
  }

  async useSample(): Promise<void> {
    await this.page.getByRole('button', { name: 'Use synthetic sample' }).click();
    await expect(this.page.getByTestId('dataset-summary')).toContainText('synthetic sample');
  }

  async fill(label: string, value: number): Promise<void> {
    const input = this.page.getByLabel(label, { exact: true });
    await input.fill(String(value));
    await expect(input).toHaveValue(String(value));
  }

  async configure(s: MicroSettings): Promise<void> {
    await this.fill('Population', s.population);
    await this.fill('Generations', s.generations);
    await this.fill('Epochs', s.epochs);
    await this.fill('Images per class', s.perClass);
    await this.fill('Max filters', s.maxFilters);
    if (s.seed !== undefined) await this.fill('Seed', s.seed);
  }

  button(name: string) {
    return this.page.getByRole('button', { name, exact: true });
  }

  /** Reloads the page and opens its one saved run (read-only), as a person coming back to the lab does. */
  async reloadAndOpenTheSavedRun(): Promise<void> {
    await this.page.reload({ waitUntil: 'domcontentloaded' });
    await this.waitForBackend('wasm');
    const saved = this.page.getByTestId('run-history').locator('tbody tr');
    await expect(saved).toHaveCount(1);
    await saved
      .first()
      .getByRole('button', { name: /^Open run of/ })
      .click();
    await expect(this.page.getByTestId('viewing-run')).toContainText('read-only');
  }

  async start(): Promise<void> {
    await expect(this.button('Start')).toBeEnabled();
    await this.button('Start').click();
  }

  /** The "FER2013 CSV" file input (inside the drop zone). */
  fileInput() {
    return this.page.getByLabel('FER2013 CSV', { exact: true });
  }

  /** Chooses a file with the "FER2013 CSV" picker: a path on disk, or a file made in the test. */
  async chooseFile(file: string | { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
    await this.fileInput().setInputFiles(file);
  }

  /** Drops a file made of `text` on the drop zone with a real drop event carrying a DataTransfer. */
  async dropFile(name: string, text: string): Promise<void> {
    const transfer = await this.page.evaluateHandle(
      ({ name, text }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], name, { type: 'text/csv' }));
        return dt;
      },
      { name, text },
    );
    const zone = this.page.getByTestId('drop-zone');
    await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
    await zone.dispatchEvent('dragover', { dataTransfer: transfer });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
    await transfer.dispose();
  }

  datasetSummary() {
    return this.page.getByTestId('dataset-summary');
  }

  /** Bars drawn in the class histogram (one per class and split with a non-zero count). */
  async histogramBars(): Promise<number> {
    return this.page.locator('[data-testid="class-histogram"] .recharts-bar-rectangle').count();
  }

  /** Number of individuals drawn as points in the fitness chart. */
  async chartPoints(): Promise<number> {
    return this.page.locator('[data-testid="fitness-chart"] .recharts-scatter-symbol').count();
  }
}
