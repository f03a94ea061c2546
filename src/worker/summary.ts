/** Dataset counts and sample faces for the page. */
import { classCounts, IMAGE_SIZE, NUM_CLASSES, type Dataset, type Splits } from '../data/dataset';
import type { LoadReport } from '../data/loadReport';
import type { SplitResult } from '../data/splits';
import type { DatasetSummary } from './api';

const SAMPLES_PER_CLASS = 8;

/**
 * Counts per class and split plus the first few training faces of each class (copied, so they can be transferred).
 * `report` is the loader's account of a file; without one (the synthetic sample) there were no duplicates or bad rows.
 */
export function datasetSummary(data: Dataset, split: SplitResult, seed: number, report?: LoadReport): DatasetSummary {
  const splits: Splits = split.splits;
  const samples: Uint8Array[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (const row of splits.train) {
    const list = samples[data.labels[row] as number];
    if (list && list.length < SAMPLES_PER_CLASS) list.push(data.images.slice(row * IMAGE_SIZE, (row + 1) * IMAGE_SIZE));
  }
  const dup = report?.duplicates;
  return {
    name: data.name,
    synthetic: data.synthetic,
    count: data.count,
    perClass: classCounts(data.labels),
    splits: { train: [...split.counts.train], val: [...split.counts.val], test: [...split.counts.test] },
    samples,
    rows: report?.rows ?? data.count,
    duplicates: {
      rowsRemoved: dup ? dup.rows : split.duplicatesRemoved,
      groups: dup?.groups ?? 0,
      labelConflicts: dup?.labelConflicts ?? 0,
      groupsSpanningSplits: dup?.crossUsage ?? 0,
    },
    badCount: report?.badCount ?? 0,
    badLines: (report?.badLines ?? []).map(({ line, reason }) => ({ line, reason })),
    extraColumns: [...(report?.extraColumns ?? [])],
    usageSource: report?.usageSource ?? 'file',
    archive: report?.archive ?? null,
    split: { mode: split.mode, leaky: split.leaky, seed },
  };
}
