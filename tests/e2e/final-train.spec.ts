/** Train best longer, like a person: after a micro run, progress and Stop, then the final model's test figures beside the search's; the downloads and Try the model use it, and it is kept with the saved run. */
import { expect, test, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { strFromU8, unzipSync } from 'fflate';
import { syntheticDataset } from '../../src/data/synthetic';
import { makeSplits } from '../../src/data/splits';
import type { RunLog } from '../../src/experiment/runlog';
import { loadExportedModel } from '../helpers/exportedModel';
import { Lab, type MicroSettings } from './lab';
import { downloadBytes, noSeriousViolations, tryModel } from './page';

const MICRO: MicroSettings = { population: 2, generations: 0, epochs: 1, perClass: 6, maxFilters: 4, seed: 3 };
/** The lab's synthetic sample: 60 faces per class, drawn with the seed set when it was loaded (the default, 42). */
const SAMPLE = { perClass: 60, seed: 42 };
const FINAL_EPOCHS = 3;

interface ModelZip {
  readonly weights: Uint8Array;
  readonly metadata: {
    readonly evolab: {
      readonly model: string;
      readonly testAccuracy: number | null;
      readonly final?: { readonly epochs: number };
    };
  };
  readonly info: { readonly model: string; readonly final: RunLog['final'] | null };
  readonly load: () => Promise<tf.LayersModel>;
}

async function modelZip(page: Page): Promise<ModelZip> {
  const files = unzipSync(new Uint8Array(await downloadBytes(page, 'Download model')));
  const modelJson = strFromU8(files['model.json'] as Uint8Array);
  const weights = files['weights.bin'] as Uint8Array;
  return {
    weights,
    metadata: (JSON.parse(modelJson) as { userDefinedMetadata: ModelZip['metadata'] }).userDefinedMetadata,
    info: JSON.parse(strFromU8(files['evolab.json'] as Uint8Array)) as ModelZip['info'],
    load: () => loadExportedModel(modelJson, weights),
  };
}

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`;

test("Train best longer: progress and Stop, test figures beside the search's, and the downloads and Try the model use the final model, kept with the saved run", async ({
  page,
}) => {
  // A run, two final trainings and a reload, on a shared 2-core machine.
  test.setTimeout(480_000);
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  const panel = page.getByRole('region', { name: 'Train the best network longer' });
  await lab.useSample();
  await lab.configure(MICRO);
  // No early stopping, so a long final training is still running when Stop training is pressed.
  await lab.fill('Patience', 0);
  await expect(panel).toHaveCount(0);
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 120_000 });

  // The search's model first, as the downloads and Try the model have it.
  await expect(panel).toBeVisible();
  await expect(panel.getByLabel('Final epochs', { exact: true })).toHaveValue('10');
  await expect(panel.getByLabel('Final flip augmentation', { exact: true })).toBeChecked();
  const searchZip = await modelZip(page);
  expect(searchZip.metadata.evolab.model).toBe('search');
  expect(searchZip.info.model).toBe('search');
  const searchProbs = await tryModel(page);
  await expect(page.getByTestId('probabilities')).toContainText('Emotion probabilities of the best model');

  // An impossible number of epochs blocks the button and says why, in the settings' words.
  const epochs = panel.getByLabel('Final epochs', { exact: true });
  await epochs.fill('0');
  await expect(panel.getByText('Final epochs must be from 1 to 500.')).toBeVisible();
  await expect(lab.button('Train best longer')).toBeDisabled();

  // A long final training shows its progress and stops on Stop training; the search's model stays in use.
  await epochs.fill('200');
  await lab.button('Train best longer').click();
  const progress = page.getByTestId('final-progress');
  await expect(progress).toContainText(/Epoch \d+ of 200, batch \d+ of \d+ · loss [\d.]+ · [\d.]+ img\/s/, {
    timeout: 60_000,
  });
  await expect(progress.getByRole('progressbar')).toBeVisible();
  await expect(lab.button('Download model')).toBeDisabled();
  await expect(lab.button('Start')).toBeDisabled();
  await expect(page.getByLabel('Face image', { exact: true })).toBeDisabled();
  await noSeriousViolations(page, 'final training');
  await lab.button('Stop training').click();
  await expect(page.getByTestId('final-stopped')).toContainText("The downloads keep using the search's best model.", {
    timeout: 5_000,
  });
  await expect(lab.button('Download model')).toBeEnabled();
  expect((await modelZip(page)).weights).toEqual(searchZip.weights);

  // The final training to its end, with flip augmentation (the default): every epoch, then its test figures.
  await epochs.fill(String(FINAL_EPOCHS));
  await epochs.press('Tab');
  await lab.button('Train best longer').click();
  const finalAccuracy = page.getByTestId('final-test-accuracy');
  await expect(finalAccuracy).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('final-epochs').locator('tbody tr')).toHaveCount(FINAL_EPOCHS);
  await expect(page.getByTestId('final-result')).toContainText(
    'PrivateTest images, never seen by the search or the training',
  );
  await expect(page.getByTestId('final-result')).toContainText('Download model and Try the model use it.');

  // The run log holds both results; the page shows them side by side.
  const log = JSON.parse((await downloadBytes(page, 'Download run log')).toString('utf8')) as RunLog;
  const final = log.final;
  expect(final).toBeDefined();
  if (!final || !log.best) return;
  expect(final.config).toMatchObject({
    epochs: FINAL_EPOCHS,
    augmentFlip: true,
    patience: 0,
    perClass: MICRO.perClass,
    split: 'canonical',
  });
  expect(final.keptEpoch).toBe(FINAL_EPOCHS);
  expect(final.chromosome).toEqual(log.best.chromosome);
  expect(final.epochs).toHaveLength(FINAL_EPOCHS);
  await expect(finalAccuracy).toHaveText(pct(final.testAccuracy));
  const compare = page.getByTestId('final-compare');
  await expect(
    compare
      .getByRole('row', { name: /^test accuracy / })
      .first()
      .locator('td'),
  ).toHaveText([pct(log.best.testAccuracy), pct(final.testAccuracy)]);
  await expect(compare.getByRole('row', { name: /^validation accuracy / }).locator('td')).toHaveText([
    pct(log.best.valAccuracy),
    pct(final.valAccuracy),
  ]);
  await noSeriousViolations(page, 'final training done');
  await panel.screenshot({ path: 'docs/screenshots/final-training.png' });

  // Download model is now the final network: its own weights and metrics, and it scores what the page says.
  const finalZip = await modelZip(page);
  expect(finalZip.metadata.evolab.model).toBe('final');
  expect(finalZip.metadata.evolab.final?.epochs).toBe(FINAL_EPOCHS);
  expect(finalZip.metadata.evolab.testAccuracy).toBe(final.testAccuracy);
  expect(finalZip.info).toMatchObject({ model: 'final', final: { testAccuracy: final.testAccuracy } });
  expect(finalZip.weights).not.toEqual(searchZip.weights);
  await tf.setBackend('cpu');
  const model = await finalZip.load();
  const data = syntheticDataset(SAMPLE.perClass, SAMPLE.seed);
  const rows = makeSplits(data, { mode: 'canonical', seed: MICRO.seed ?? 0, perClassCap: MICRO.perClass }).splits.test;
  expect(rows.length).toBe(final.testCount);
  const x = Float32Array.from(
    { length: rows.length * 2304 },
    (_, k) => (data.images[(rows[Math.floor(k / 2304)] as number) * 2304 + (k % 2304)] as number) / 255,
  );
  const predicted = tf.tidy(() =>
    Array.from(tf.argMax(model.predict(tf.tensor4d(x, [rows.length, 48, 48, 1])) as tf.Tensor, 1).dataSync()),
  );
  model.dispose();
  const correct = predicted.filter((p, i) => p === data.labels[rows[i] as number]).length;
  // The page scored it on wasm, this test on cpu: the same predictions up to a near tie.
  expect(Math.abs(correct / rows.length - (final.testAccuracy ?? -1))).toBeLessThanOrEqual(1 / rows.length + 1e-9);

  // Try the model answers with the final network.
  const finalProbs = await tryModel(page);
  await expect(page.getByTestId('probabilities')).toContainText(
    'Emotion probabilities of the final model (trained longer)',
  );
  expect(finalProbs).not.toEqual(searchProbs);

  // Kept with the saved run: after a reload, Open shows the final figures and Download model gives the same network.
  await lab.reloadAndOpenTheSavedRun();
  await expect(page.getByTestId('final-test-accuracy')).toHaveText(pct(final.testAccuracy));
  await expect(lab.button('Download model')).toBeEnabled();
  expect((await modelZip(page)).weights).toEqual(finalZip.weights);
  expect(await tryModel(page)).toEqual(finalProbs);

  // A saved run on view can be trained longer again (its sample is drawn again from its recipe); it stays on view.
  await panel.getByLabel('Final epochs', { exact: true }).fill('2');
  await panel.getByLabel('Final flip augmentation', { exact: true }).uncheck();
  await lab.button('Train best longer').click();
  await expect(page.getByTestId('final-epochs').locator('tbody tr')).toHaveCount(2, { timeout: 120_000 });
  await expect(page.getByTestId('final-result')).toContainText('trained 2 of up to 2 epochs', { timeout: 60_000 });
  await expect(page.getByTestId('viewing-run')).toContainText('read-only');
  const again = JSON.parse((await downloadBytes(page, 'Download run log')).toString('utf8')) as RunLog;
  expect(again.final?.config).toMatchObject({ epochs: 2, augmentFlip: false });
  expect(again.phases).toEqual(log.phases);
});
