/**
 * The face detector (src/ml/faceDetector.ts) on the face drawn for the tests: it finds it where it was drawn, finds
 * nothing in a picture without a face, frees its tensors, and gives the same boxes and scores as face-api's own
 * implementation of the same network (its Node wasm build, run in a child process so its tfjs stays apart from ours).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferCropSquare, grayCrop } from '../../../src/data/faceCrop';
import { FaceDetector, type DetectorManifest } from '../../../src/ml/faceDetector';
import { drawTestFace, toRgba } from '../../helpers/faceImage';
import { useWasm } from '../../helpers/wasm-setup';

const MODEL_DIR = path.resolve('node_modules/@vladmandic/face-api/model');

let detector: FaceDetector;
beforeAll(async () => {
  await useWasm();
  const manifest = JSON.parse(
    readFileSync(path.join(MODEL_DIR, 'tiny_face_detector_model-weights_manifest.json'), 'utf8'),
  ) as DetectorManifest;
  const bin = readFileSync(path.join(MODEL_DIR, 'tiny_face_detector_model.bin'));
  detector = FaceDetector.fromWeights(manifest, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
});
afterAll(() => detector.dispose());

/** Each drawing once: drawing a 640x480 face takes a few seconds on a busy machine. */
const drawings = new Map<string, ReturnType<typeof drawTestFace>>();
const draw = (opts: Parameters<typeof drawTestFace>[2] = {}): ReturnType<typeof drawTestFace> => {
  const key = JSON.stringify(opts);
  const img = drawings.get(key) ?? drawTestFace(640, 480, opts);
  drawings.set(key, img);
  return img;
};

const VARIANTS = [
  { name: 'centred', opts: {} },
  { name: 'to the right', opts: { shift: 120 } },
  { name: 'small', opts: { scale: 0.55 } },
  { name: 'frowning', opts: { smile: -0.8 } },
] as const;

describe('the face detector', () => {
  for (const { name, opts } of VARIANTS) {
    it(`finds the drawn face (${name}) where it was drawn`, async () => {
      const img = draw(opts);
      const faces = await detector.detect(toRgba(img), img.width, img.height);
      expect(faces).toHaveLength(1);
      const [f] = faces;
      if (!f) throw new Error('no face');
      expect(f.score).toBeGreaterThan(0.75);
      // The box's centre lies inside the drawn head, and the box is about the head's size.
      const cx = f.x + f.width / 2;
      const cy = f.y + f.height / 2;
      expect(((cx - img.face.cx) / img.face.rx) ** 2 + ((cy - img.face.cy) / img.face.ry) ** 2).toBeLessThan(0.25);
      expect(f.width / (2 * img.face.rx)).toBeGreaterThan(0.8);
      expect(f.width / (2 * img.face.rx)).toBeLessThan(1.8);
    });
  }

  it('finds no face in a picture without one', async () => {
    const blank = {
      width: 320,
      height: 240,
      rgb: new Uint8Array(320 * 240 * 3).map((_, i) => (i % 3 === 2 ? 160 : 90 + ((i / 960) | 0) / 4)),
    };
    expect(await detector.detect(toRgba(blank), 320, 240)).toEqual([]);
  });

  it('leaves no tensor behind, and refuses a frame that is too short', async () => {
    const img = draw();
    const before = tf.memory().numTensors;
    await detector.detect(toRgba(img), 640, 480);
    expect(tf.memory().numTensors).toBe(before);
    await expect(detector.detect(new Uint8ClampedArray(100), 320, 240)).rejects.toThrow('expected 320x240 RGBA pixels');
  });

  it('crops the found face as FER2013 frames faces: the face fills the 48x48 image', async () => {
    const img = draw({ shift: 120 });
    const rgba = toRgba(img);
    const [f] = await detector.detect(rgba, 640, 480);
    if (!f) throw new Error('no face');
    const crop = grayCrop(rgba, 640, 480, ferCropSquare(f));
    // Skin, eyes and hair but hardly any background (grey-blue, luma ~ 115): the middle rows are mostly skin.
    const middle = Array.from(crop.subarray(24 * 48 + 12, 24 * 48 + 36));
    expect(middle.filter((v) => v > 140).length).toBeGreaterThan(middle.length * 0.7);
  });

  it("gives the boxes and scores of face-api's own implementation", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evolab-faceapi-'));
    try {
      const cases = VARIANTS.map(({ opts }, i) => {
        const img = draw(opts);
        writeFileSync(path.join(dir, `${i}.rgb`), img.rgb);
        return img;
      });
      const script = `
        const fs = require('fs');
        const faceapi = require(${JSON.stringify(path.resolve('node_modules/@vladmandic/face-api/dist/face-api.node-wasm.js'))});
        (async () => {
          await faceapi.tf.setBackend('wasm');
          await faceapi.tf.ready();
          await faceapi.nets.tinyFaceDetector.loadFromDisk(${JSON.stringify(MODEL_DIR)});
          const out = [];
          for (let i = 0; i < ${cases.length}; i++) {
            const t = faceapi.tf.tensor3d(new Int32Array(fs.readFileSync(${JSON.stringify(dir)} + '/' + i + '.rgb')), [480, 640, 3], 'int32');
            for (const inputSize of [224, 416]) {
              const found = await faceapi.detectAllFaces(t, new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.3 }));
              out.push(found.map((d) => [d.box.x, d.box.y, d.box.width, d.box.height, d.score]));
            }
            t.dispose();
          }
          process.stdout.write(JSON.stringify(out));
        })();`;
      const reference = JSON.parse(
        execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
      ) as number[][][];
      const ours: number[][][] = [];
      for (const img of cases) {
        for (const size of [224, 416]) {
          ours.push(
            (await detector.detect(toRgba(img), 640, 480, size, 0.3)).map((d) => [
              d.x,
              d.y,
              d.width,
              d.height,
              d.score,
            ]),
          );
        }
      }
      expect(ours.map((faces) => faces.length)).toEqual(reference.map((faces) => faces.length));
      ours.forEach((faces, i) =>
        faces.forEach((box, j) =>
          box.forEach((v, k) => expect(v).toBeCloseTo(reference[i]?.[j]?.[k] ?? NaN, k === 4 ? 4 : 2)),
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
