import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE, type Dataset } from '../../../src/data/dataset';
import { parseFer2013 } from '../../../src/data/fer2013';
import { makeSplits, splitCounts, usageClassCounts } from '../../../src/data/splits';
import { fer2013Fixture } from '../../helpers/fer2013';
import { encode } from '../../helpers/data';

const FIXTURE = fer2013Fixture();

/** A dataset whose row i has image `images[i]` (a small integer naming the picture), label and usage. */
function dataset(rows: [image: number, label: number, usage: number][]): Dataset {
  const images = new Uint8Array(rows.length * IMAGE_SIZE);
  rows.forEach(([img], i) => images.fill(img, i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE));
  return {
    name: 'test',
    synthetic: false,
    count: rows.length,
    images,
    labels: Uint8Array.from(rows.map((r) => r[1])),
    usage: Uint8Array.from(rows.map((r) => r[2])),
  };
}

/** Image keys of a split, to compare splits by content rather than row index. */
function pictures(ds: Dataset, rows: Int32Array): Set<string> {
  return new Set(
    [...rows].map((r) => Buffer.from(ds.images.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE)).toString('base64')),
  );
}

/** The generated FER2013 fixture (30 distinct faces per class: 20 Training, 5 PublicTest, 5 PrivateTest; 4 repeats). */
async function small(dedupe: boolean): Promise<Dataset> {
  const res = await parseFer2013([encode(FIXTURE.csv)], { dedupe });
  if (!res.ok) throw new Error(res.error);
  return res.dataset;
}

describe('makeSplits', () => {
  it('canonical: Training/PublicTest/PrivateTest, duplicates removed from val and test', () => {
    const ds = dataset([
      [1, 0, 1], // image 1 first seen in PublicTest ...
      [2, 1, 0],
      [1, 0, 0], // ... and again in Training: it trains, and leaves val
      [3, 2, 2],
      [2, 1, 2], // a Training image repeated in PrivateTest: dropped
      [4, 3, 1],
      [4, 3, 2], // PublicTest image repeated in PrivateTest: dropped from test
      [5, 4, 2],
    ]);
    const res = makeSplits(ds);
    expect(res.mode).toBe('canonical');
    expect(res.leaky).toBe(false);
    expect([...res.splits.train]).toEqual([0, 1]);
    expect([...res.splits.val]).toEqual([5]);
    expect([...res.splits.test]).toEqual([3, 7]);
    expect(res.duplicatesRemoved).toBe(3);
    expect(res.crossSplitRemoved).toBe(2);
    expect(res.counts.test).toEqual([0, 0, 1, 0, 1, 0, 0]);
  });

  it('canonical on a FER2013 file matches its usage counts after dedupe', async () => {
    const ds = await small(false);
    expect(usageClassCounts(ds)).toEqual(FIXTURE.rowsPerUsageClass);
    const res = makeSplits(ds, { mode: 'canonical' });
    expect(res.duplicatesRemoved).toBe(FIXTURE.duplicateRows);
    expect(res.crossSplitRemoved).toBe(FIXTURE.crossUsageGroups);
    expect(res.counts).toEqual({
      train: FIXTURE.keptPerUsageClass[0],
      val: FIXTURE.keptPerUsageClass[1],
      test: FIXTURE.keptPerUsageClass[2],
    });
    const deduped = await small(true);
    expect(makeSplits(deduped).counts).toEqual(splitCounts(deduped, makeSplits(deduped).splits));
  });

  it('paper: stratified 80/20, fitness on the test set (leaky), no test image in train', async () => {
    const ds = await small(false);
    const res = makeSplits(ds, { mode: 'paper', seed: 3 });
    expect(res.leaky).toBe(true);
    expect([...res.splits.val]).toEqual([...res.splits.test]);
    expect(res.splits.val).not.toBe(res.splits.test);
    const n = res.splits.train.length + res.splits.test.length;
    expect(n).toBe(FIXTURE.kept);
    res.counts.test.forEach((c, k) => expect(c).toBe(Math.round(((res.counts.train[k] ?? 0) + c) * 0.2)));
    const train = pictures(ds, res.splits.train);
    for (const p of pictures(ds, res.splits.test)) expect(train.has(p)).toBe(false);
  });

  it('paper-clean: the same test set as paper, val carved from the 80%, all disjoint', async () => {
    const ds = await small(false);
    const paper = makeSplits(ds, { mode: 'paper', seed: 5 });
    const clean = makeSplits(ds, { mode: 'paper-clean', seed: 5, valFraction: 0.1 });
    expect(clean.leaky).toBe(false);
    expect([...clean.splits.test]).toEqual([...paper.splits.test]);
    // 10% of the 80% left for training, stratified per class: 2 or 3 of the 24 of each class.
    for (const c of clean.counts.val) expect([2, 3]).toContain(c);
    const [tr, va, te] = [clean.splits.train, clean.splits.val, clean.splits.test].map((s) => pictures(ds, s));
    for (const p of va ?? []) expect(tr?.has(p) || te?.has(p)).toBe(false);
    for (const p of te ?? []) expect(tr?.has(p)).toBe(false);
    expect((tr?.size ?? 0) + (va?.size ?? 0) + (te?.size ?? 0)).toBe(FIXTURE.kept);
  });

  it('caps images per class in every split, seeded', async () => {
    const ds = await small(true);
    const res = makeSplits(ds, { mode: 'paper-clean', seed: 1, perClassCap: 15 });
    for (const counts of [res.counts.train, res.counts.val, res.counts.test])
      for (const c of counts) expect(c).toBeLessThanOrEqual(15);
    expect(res.counts.train).toEqual([15, 15, 15, 15, 15, 15, 15]);
    expect(res.cappedRemoved).toBe(
      FIXTURE.kept - res.splits.train.length - res.splits.val.length - res.splits.test.length,
    );
    const canonical = makeSplits(ds, { mode: 'canonical', perClassCap: 4 });
    expect(canonical.counts.val).toEqual([4, 4, 4, 4, 4, 4, 4]);
  });

  it('is deterministic by seed', async () => {
    const ds = await small(true);
    const a = makeSplits(ds, { mode: 'paper', seed: 11, perClassCap: 20 });
    const b = makeSplits(ds, { mode: 'paper', seed: 11, perClassCap: 20 });
    const c = makeSplits(ds, { mode: 'paper', seed: 12, perClassCap: 20 });
    expect(b.splits).toEqual(a.splits);
    expect([...c.splits.test]).not.toEqual([...a.splits.test]);
  });

  it('rejects invalid options', () => {
    const ds = dataset([[1, 0, 0]]);
    expect(() => makeSplits(ds, { mode: 'paper', testFraction: 1 })).toThrow(RangeError);
    expect(() => makeSplits(ds, { mode: 'paper-clean', valFraction: 0.9 })).toThrow(RangeError);
    expect(() => makeSplits(ds, { perClassCap: 0 })).toThrow(RangeError);
  });
});
