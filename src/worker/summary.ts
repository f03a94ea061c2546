/** Dataset counts and sample faces for the page. */
import { classCounts, IMAGE_SIZE, NUM_CLASSES, type Dataset, type Splits } from '../data/dataset';
import type { DatasetSummary } from './api';

const SAMPLES_PER_CLASS = 8;

/** Counts per class and split plus the first few training faces of each class (copied, so they can be transferred). */
export function summarize(data: Dataset, splits: Splits): DatasetSummary {
  const samples: Uint8Array[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (const row of splits.train) {
    const list = samples[data.labels[row] as number];
    if (list && list.length < SAMPLES_PER_CLASS) list.push(data.images.slice(row * IMAGE_SIZE, (row + 1) * IMAGE_SIZE));
  }
  return {
    name: data.name,
    synthetic: data.synthetic,
    count: data.count,
    perClass: classCounts(data.labels),
    splits: {
      train: classCounts(data.labels, splits.train),
      val: classCounts(data.labels, splits.val),
      test: classCounts(data.labels, splits.test),
    },
    samples,
  };
}
