import { describe, expect, it } from 'vitest';
import { parseFer2013 } from '../../../src/data/fer2013';
import { fer2013Fixture } from '../../helpers/fer2013';
import { encode } from '../../helpers/data';

describe('the generated FER2013 fixture', () => {
  it('parses to exactly the rows, classes, usages and duplicates it was built with', async () => {
    const f = fer2013Fixture();
    expect([f.rows, f.kept, f.duplicateRows, f.duplicateGroups, f.crossUsageGroups, f.labelConflicts]).toEqual([
      214, 210, 4, 4, 2, 1,
    ]);
    const res = await parseFer2013([encode(f.csv)]);
    if (!res.ok) throw new Error(res.error);
    const r = res.report;
    expect(r).toMatchObject({ rows: f.rows, kept: f.kept, badCount: 0, usageSource: 'file', extraColumns: [] });
    expect(r.duplicates).toEqual({
      rows: f.duplicateRows,
      groups: f.duplicateGroups,
      labelConflicts: f.labelConflicts,
      crossUsage: f.crossUsageGroups,
    });
    expect(r.rowsPerClass).toEqual(f.rowsPerClass);
    expect(r.rowsPerUsageClass).toEqual(f.rowsPerUsageClass);
    expect(r.keptPerUsageClass).toEqual(f.keptPerUsageClass);
  });

  it('is the same text every time for a shape, and another seed draws other faces', () => {
    const a = fer2013Fixture();
    const b = fer2013Fixture({ ...{ training: 20, publicTest: 5, privateTest: 5 }, seed: 2013 }, 'again.csv');
    const c = fer2013Fixture({ training: 20, publicTest: 5, privateTest: 5, seed: 7 });
    expect(b.csv).toBe(a.csv);
    expect(c.csv).not.toBe(a.csv);
    expect(c.rows).toBe(a.rows);
  });
});
