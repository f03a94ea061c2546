import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseFer2013, type ParseResult } from '../../../src/data/fer2013';
import { makeSplits } from '../../../src/data/splits';
import { realFer2013OrNotice } from '../../helpers/fer2013';

const FULL = realFer2013OrNotice('full', 'the full-file counts in tests/unit/data/fer2013.slow.test.ts');
const SMALL = realFer2013OrNotice('small', 'the small-file counts in tests/unit/data/fer2013.slow.test.ts');
const GZ = FULL ?? '';

/** The first `n` data rows of the file, read with Node's own zlib for a .gz (an independent decoder). */
async function firstRows(n: number): Promise<string[]> {
  let text = '';
  const raw = createReadStream(GZ);
  for await (const chunk of GZ.endsWith('.gz') ? raw.pipe(createGunzip()) : raw) {
    text += (chunk as Buffer).toString('latin1');
    if (text.split('\n').length > n + 1) break;
  }
  return text.split('\n').slice(1, n + 1);
}

describe('the real FER2013 files (README counts)', () => {
  it.skipIf(SMALL === undefined)('fer2013-small.csv: 1,400 rows, 200 per class, 18 repeated images', async () => {
    const res = await parseFer2013([readFileSync(SMALL ?? '')]);
    if (!res.ok) throw new Error(res.error);
    const r = res.report;
    expect(r).toMatchObject({ rows: 1400, kept: 1382, badCount: 0, gzip: false });
    expect(r.rowsPerClass).toEqual([200, 200, 200, 200, 200, 200, 200]);
    expect(r.rowsPerUsageClass).toEqual([
      [160, 160, 160, 160, 160, 160, 160],
      [40, 40, 40, 40, 40, 40, 40],
      [0, 0, 0, 0, 0, 0, 0],
    ]);
    expect(r.duplicates.rows).toBe(18);
  });

  let full: ParseResult | undefined;
  it.skipIf(FULL === undefined)(
    'fer2013.csv(.gz) streamed: rows per class per Usage and 34,034 distinct images',
    async () => {
      full = await parseFer2013(createReadStream(GZ, { highWaterMark: 1 << 20 }), { totalBytes: statSync(GZ).size });
      if (!full.ok) throw new Error(full.error);
      const r = full.report;
      expect(r).toMatchObject({
        gzip: GZ.endsWith('.gz'),
        csvBytes: 301_072_766,
        rows: 35_887,
        kept: 34_034,
        badCount: 0,
        lines: 35_888,
      });
      expect(r.rowsPerUsageClass).toEqual([
        [3995, 436, 4097, 7215, 4830, 3171, 4965],
        [467, 56, 496, 895, 653, 415, 607],
        [491, 55, 528, 879, 594, 416, 626],
      ]);
      expect(r.rowsPerClass).toEqual([4953, 547, 5121, 8989, 6077, 4002, 6198]);
      // README: 1,516 images occur more than once, 1,853 rows are redundant, 557 groups span Usages.
      expect(r.duplicates).toMatchObject({ rows: 1853, groups: 1516, crossUsage: 557 });
      const [row0, row1] = await firstRows(2);
      for (const [i, line] of [row0, row1].entries()) {
        const [emotion, pixels, usage] = (line ?? '').split(',');
        expect(full.dataset.labels[i]).toBe(Number(emotion));
        expect(usage).toBe('Training');
        expect([...full.dataset.images.subarray(i * 2304, (i + 1) * 2304)].join(' ')).toBe(pixels);
      }
      expect(full.dataset.images.length).toBe(34_034 * 2304);
    },
  );

  it.skipIf(FULL === undefined)('canonical splits of the full file put no image in two splits', () => {
    if (!full?.ok) throw new Error('needs the full file');
    const { dataset, report } = full;
    const res = makeSplits(dataset, { mode: 'canonical' });
    expect(res.duplicatesRemoved).toBe(0);
    const kept = report.keptPerUsageClass.map((row) => row.reduce((a, b) => a + b, 0));
    expect([res.splits.train.length, res.splits.val.length, res.splits.test.length]).toEqual(kept);
    expect(kept.reduce((a, b) => a + b, 0)).toBe(34_034);
    const paper = makeSplits(dataset, { mode: 'paper', seed: 1 });
    expect(paper.splits.test.length).toBeGreaterThan(6800);
    expect(paper.splits.test.length).toBeLessThan(6814);
  });
});
