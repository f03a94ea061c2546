/**
 * Issue 16, Try the model with the webcam, like a person: Chromium's fake camera plays a video of the face drawn for
 * the tests (tests/helpers/faceImage.ts, which the detector finds: tests/unit/ml/face-detect.test.ts). The camera is first
 * refused by the browser (a clear message; the image path still works), then allowed: the face is found, the table
 * fills, Stop camera ends it. The same detection reads an uploaded photo of the face.
 */
import { existsSync, renameSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { baseArgs, executablePath } from '../../playwright.config';
import { bmpFile, drawTestFace, writeY4m } from '../helpers/faceImage';
import { Lab, MICRO } from './lab';
import { noSeriousViolations, shownProbabilities } from './page';

const WIDTH = 640;
const HEIGHT = 480;
/** Two frames a little apart, so the camera shows a face that moves. */
const FRAMES = [
  { shift: -30, smile: 0.7 },
  { shift: 30, smile: 0.7 },
];
/** Y4M bytes: a header, then per frame "FRAME\n" and 1.5 bytes a pixel. */
const Y4M_FRAME = 6 + WIDTH * HEIGHT * 1.5;

/** The camera's video, made once per machine (the drawing is deterministic; versioned by its name). */
function faceVideo(): string {
  const file = path.join(os.tmpdir(), `evolab-test-face-v1-${WIDTH}x${HEIGHT}.y4m`);
  if (existsSync(file) && statSync(file).size > FRAMES.length * Y4M_FRAME) return file;
  const part = `${file}.${process.pid}.part`;
  writeY4m(
    part,
    FRAMES.map((opts) => drawTestFace(WIDTH, HEIGHT, opts)),
  );
  renameSync(part, file);
  return file;
}

// The fake camera replaces every real one; the permission prompt is the browser's own (Playwright answers it per context).
test.use({
  launchOptions: {
    executablePath,
    ignoreDefaultArgs: ['--headless'],
    args: [...baseArgs, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${faceVideo()}`],
  },
});

/** Axe on the Try panel only: the camera view is the screen under test. */
const TRY_PANEL = 'section[aria-labelledby="try-title"]';

test('a person tries the model with the camera: refused, then allowed, the face found live, stopped; a photo of the face too', async ({
  page,
  context,
}) => {
  const lab = new Lab(page);
  await lab.open('?backend=wasm');
  await lab.waitForBackend('wasm');
  const panel = page.getByRole('region', { name: 'Try the model' });
  // No model yet: nothing to try.
  await expect(panel.getByRole('button', { name: 'Start camera' })).toBeDisabled();
  await lab.useSample();
  await lab.configure(MICRO);
  await lab.start();
  await expect(lab.status()).toHaveText('Run complete.', { timeout: 180_000 });

  // The browser refuses the camera (the person said no): a clear message, and the image path still works.
  await context.clearPermissions();
  await panel.getByRole('button', { name: 'Start camera' }).click();
  await expect(panel.getByRole('alert')).toContainText('Camera access was denied');
  await expect(panel.getByRole('alert')).toContainText('You can still try the model with a face image');
  await expect(panel.getByRole('button', { name: 'Start camera' })).toBeEnabled();
  await expect(panel.getByLabel('Face image', { exact: true })).toBeEnabled();
  await noSeriousViolations(page, 'camera refused', TRY_PANEL);

  // Allowed: the fake camera's face is found, the box drawn on the view, the table filled, several times a second.
  await context.grantPermissions(['camera']);
  await panel.getByRole('button', { name: 'Start camera' }).click();
  await expect(panel.getByRole('button', { name: 'Stop camera' })).toBeVisible();
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await expect(panel.getByTestId('face-found')).toHaveText('Face in view.', { timeout: 60_000 });
  await shownProbabilities(page);
  await expect(panel.getByTestId('face-box')).toBeVisible();
  // The box is where the face is: around the middle of the picture, about the head's size.
  const video = await panel.getByTestId('camera-video').boundingBox();
  const box = await panel.getByTestId('face-box').boundingBox();
  if (!video || !box) throw new Error('no camera view or face box');
  expect(Math.abs(box.x + box.width / 2 - (video.x + video.width / 2))).toBeLessThan(video.width * 0.15);
  expect(box.width / video.width).toBeGreaterThan(0.2);
  expect(box.width / video.width).toBeLessThan(0.6);
  // Frames keep coming: the predictions-per-second figure appears once several readings are in.
  await expect(panel.getByTestId('camera-rate')).toContainText('predictions/s', { timeout: 30_000 });
  const readings = await page.evaluate(async () => {
    const rows = () =>
      Array.from(document.querySelectorAll('[data-testid="probabilities"] tbody tr'))
        .map((r) => r.getAttribute('data-p'))
        .join();
    const seen = new Set<string>();
    const end = performance.now() + 3000;
    while (performance.now() < end) {
      seen.add(rows());
      await new Promise((r) => setTimeout(r, 50));
    }
    return seen.size;
  });
  // The two frames of the video give different probabilities: the table is live, not a single reading.
  expect(readings).toBeGreaterThan(1);
  // The 48x48 crop shows the face: skin in the middle row, not the grey-blue background.
  const middle = await page.getByTestId('try-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(12, 24, 24, 1).data;
    return Array.from({ length: 24 }, (_, i) => d[i * 4] as number);
  });
  expect(middle.filter((v) => v > 140).length).toBeGreaterThan(12);
  await noSeriousViolations(page, 'camera on', TRY_PANEL);
  await panel.screenshot({ path: 'docs/screenshots/try-camera.png' });

  await panel.getByRole('button', { name: 'Stop camera' }).click();
  await expect(panel.getByRole('button', { name: 'Start camera' })).toBeEnabled();
  // The camera is released: no live track is left on the view.
  expect(await panel.getByTestId('camera-video').evaluate((v: HTMLVideoElement) => v.srcObject === null)).toBe(true);

  // A photo of the same face: found by the same detector, not squeezed whole into 48x48.
  const photo = drawTestFace(480, 360, { shift: 60, smile: -0.5 });
  await panel
    .getByLabel('Face image', { exact: true })
    .setInputFiles({ name: 'face.bmp', mimeType: 'image/bmp', buffer: bmpFile(photo) });
  await expect(panel.getByTestId('face-found')).toContainText('Face found (detector score');
  await shownProbabilities(page);
});
