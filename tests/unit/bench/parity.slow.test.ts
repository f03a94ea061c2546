import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeSubset,
  drawSubset,
  encodeSubset,
  sampleStats,
  subsetCounts,
  type ParitySubset,
} from '../../../bench/parity-data';
import {
  IMAGE_SIZE,
  NUM_CLASSES,
  USAGE_PRIVATE,
  USAGE_PUBLIC,
  USAGE_TRAINING,
  type Dataset,
} from '../../../src/data/dataset';
import { Rng } from '../../../src/ga/rng';

/** Distinct images per class in each Usage of the generated dataset (class 1 is short, as disgust is in FER2013). */
const PER_CLASS = [
  [9, 2, 9, 9, 9, 9, 9],
  [4, 1, 4, 4, 4, 4, 4],
  [4, 0, 4, 4, 4, 4, 4],
];

/**
 * A FER2013-shaped dataset of random images, with planted duplicates: one Training image repeated in Training, one
 * repeated in PublicTest and one PublicTest image repeated in PrivateTest. Returns the rows' images keyed by content.
 */
function generated(): { data: Dataset; originals: Map<string, { label: number; usage: number }> } {
  const rng = Rng.fromSeed(7);
  const rows: { label: number; usage: number; image: Uint8Array }[] = [];
  PER_CLASS.forEach((perClass, usage) => {
    for (let label = 0; label < NUM_CLASSES; label++) {
      for (let k = 0; k < (perClass[label] as number); k++) {
        rows.push({ label, usage, image: Uint8Array.from({ length: IMAGE_SIZE }, () => rng.int(0, 255)) });
      }
    }
  });
  const training = rows.filter((r) => r.usage === USAGE_TRAINING);
  const publicTest = rows.filter((r) => r.usage === USAGE_PUBLIC);
  rows.push(
    { ...training[0]!, usage: USAGE_TRAINING },
    { ...training[5]!, usage: USAGE_PUBLIC },
    { ...publicTest[3]!, usage: USAGE_PRIVATE },
  );
  const originals = new Map<string, { label: number; usage: number }>();
  for (const r of rows) {
    const key = Buffer.from(r.image).toString('base64');
    if (!originals.has(key)) originals.set(key, { label: r.label, usage: r.usage });
  }
  const images = new Uint8Array(rows.length * IMAGE_SIZE);
  rows.forEach((r, i) => images.set(r.image, i * IMAGE_SIZE));
  const data: Dataset = {
    name: 'generated',
    synthetic: true,
    count: rows.length,
    images,
    labels: Uint8Array.from(rows.map((r) => r.label)),
    usage: Uint8Array.from(rows.map((r) => r.usage)),
  };
  return { data, originals };
}

const keyOf = (s: ParitySubset, row: number): string =>
  Buffer.from(s.dataset.images.subarray(row * IMAGE_SIZE, (row + 1) * IMAGE_SIZE)).toString('base64');

describe('drawSubset', () => {
  const { data, originals } = generated();
  const caps = { train: 5, val: 3, test: 3 };

  it('keeps at most the cap per class in each part, and every image when a class has fewer', () => {
    const counts = subsetCounts(drawSubset(data, caps, 1));
    expect(counts.train).toEqual([5, 2, 5, 5, 5, 5, 5]);
    expect(counts.val).toEqual([3, 1, 3, 3, 3, 3, 3]);
    expect(counts.test).toEqual([3, 0, 3, 3, 3, 3, 3]);
  });

  it('holds no image twice, and each image keeps its label and the part of its first Usage', () => {
    const s = drawSubset(data, caps, 1);
    const keys = Array.from({ length: s.dataset.count }, (_, r) => keyOf(s, r));
    expect(new Set(keys).size).toBe(keys.length);
    const parts: [Int32Array, number][] = [
      [s.train, USAGE_TRAINING],
      [s.val, USAGE_PUBLIC],
      [s.test, USAGE_PRIVATE],
    ];
    for (const [rows, usage] of parts) {
      for (const r of rows) {
        const original = originals.get(keyOf(s, r));
        expect(original).toEqual({ label: s.dataset.labels[r], usage });
        expect(s.dataset.usage[r]).toBe(usage);
      }
    }
  });

  it('without caps keeps the whole canonical split, duplicates removed', () => {
    const counts = subsetCounts(drawSubset(data, { train: null, val: null, test: null }, 1));
    expect(counts).toEqual({ train: PER_CLASS[0], val: PER_CLASS[1], test: PER_CLASS[2] });
  });

  it('draws the same images for the same seed and other images for another seed', () => {
    const a = encodeSubset(drawSubset(data, caps, 1));
    expect(encodeSubset(drawSubset(data, caps, 1))).toEqual(a);
    expect(encodeSubset(drawSubset(data, caps, 2))).not.toEqual(a);
  });
});

describe('subset file', () => {
  const s = drawSubset(generated().data, { train: 4, val: 2, test: 2 }, 3);

  it('round-trips parts, labels and images', () => {
    const back = decodeSubset(encodeSubset(s));
    expect([back.train.length, back.val.length, back.test.length]).toEqual([
      s.train.length,
      s.val.length,
      s.test.length,
    ]);
    expect([...back.train, ...back.val, ...back.test]).toEqual([...s.train, ...s.val, ...s.test]);
    expect(back.dataset.labels).toEqual(s.dataset.labels);
    expect(back.dataset.usage).toEqual(s.dataset.usage);
    expect(back.dataset.images).toEqual(s.dataset.images);
  });

  it('refuses another layout', () => {
    const bytes = encodeSubset(s);
    const badMagic = bytes.slice();
    badMagic[0] = 0x58;
    expect(() => decodeSubset(badMagic)).toThrow(/not a subset file/);
    expect(() => decodeSubset(bytes.subarray(0, bytes.length - 1))).toThrow(/bytes, its header says/);
  });

  it('reads the same in the PyTorch reference', () => {
    const python = '/usr/bin/python3';
    const hasTorch =
      existsSync(python) &&
      (() => {
        try {
          execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
          return true;
        } catch {
          return false;
        }
      })();
    if (!hasTorch) {
      process.stdout.write('skipped: the PyTorch reader check needs /usr/bin/python3 with torch\n');
      return;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evolab-subset-'));
    try {
      const file = path.join(dir, 'subset.bin');
      writeFileSync(file, encodeSubset(s));
      const script = [
        'import json, sys',
        `sys.path.insert(0, ${JSON.stringify(path.resolve(import.meta.dirname, '../../../bench'))})`,
        'from torch_parity import read_subset',
        'images, labels, parts = read_subset(sys.argv[1])',
        'print(json.dumps({"parts": parts, "shape": list(images.shape), "labels": labels.tolist(), "sums": images.view(len(labels), -1).long().sum(1).tolist()}))',
      ].join('\n');
      const got = JSON.parse(execFileSync(python, ['-c', script, file], { encoding: 'utf8' })) as {
        parts: number[];
        shape: number[];
        labels: number[];
        sums: number[];
      };
      const n = s.dataset.count;
      expect(got.parts).toEqual([s.train.length, s.val.length, s.test.length]);
      expect(got.shape).toEqual([n, 1, 48, 48]);
      expect(got.labels).toEqual([...s.dataset.labels]);
      const sums = Array.from({ length: n }, (_, r) =>
        s.dataset.images.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE).reduce((a, b) => a + b, 0),
      );
      expect(got.sums).toEqual(sums);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sampleStats', () => {
  it('gives mean, sample sd, min and max', () => {
    const s = sampleStats([0.5, 0.6, 0.7]);
    expect(s.mean).toBeCloseTo(0.6, 12);
    expect(s.sd).toBeCloseTo(0.1, 12);
    expect([s.min, s.max, s.n]).toEqual([0.5, 0.7, 3]);
    expect(sampleStats([0.4]).sd).toBe(0);
    expect(() => sampleStats([])).toThrow();
  });
});
