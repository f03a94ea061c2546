/**
 * Train/validation/test splits of a Dataset. Every mode first removes exact-duplicate images (keeping the first
 * occurrence, which takes the earliest Usage of its group), so no image is in two splits.
 * - canonical: train = Training, val (the GA's fitness) = PublicTest, test = PrivateTest.
 * - paper: a seeded 80/20 train/test split, stratified by class, with fitness on the 20%: val equals test (`leaky`).
 * - paper-clean: the same test set as `paper` for the same seed; val (valFraction of all images) is carved from the 80%.
 * An optional per-class cap keeps a seeded random subset of each class in each split.
 */
import { Rng } from '../ga/rng';
import { IMAGE_SIZE, NUM_CLASSES, classCounts, type Dataset, type Splits } from './dataset';
import { ImageIndex, hashImage } from './imageIndex';

/** How the rows are divided into train/val/test. */
export type SplitMode = 'canonical' | 'paper' | 'paper-clean';

/** Every split mode, for pickers. */
export const SPLIT_MODES: readonly SplitMode[] = ['canonical', 'paper', 'paper-clean'];

/** True for a mode whose fitness is measured on the test rows (paper): its test accuracy is not independent of the search. */
export const isLeakySplit = (mode: string): boolean => mode === 'paper';

/** Options of makeSplits. */
export interface SplitOptions {
  mode?: SplitMode;
  seed?: number;
  /** Keep at most this many images per class in each split. */
  perClassCap?: number;
  /** paper-clean: share of all images used for validation (default 0.1). */
  valFraction?: number;
  /** paper modes: share of all images used for test (default 0.2). */
  testFraction?: number;
}

/** Images per class (7 numbers) in each split. */
export interface SplitCounts {
  readonly train: readonly number[];
  readonly val: readonly number[];
  readonly test: readonly number[];
}

/** The splits and what was done to make them. */
export interface SplitResult {
  readonly splits: Splits;
  readonly mode: SplitMode;
  /** True when the GA's fitness is measured on the test set (paper mode). */
  readonly leaky: boolean;
  readonly counts: SplitCounts;
  /** Rows dropped because their image occurs earlier in the dataset. */
  readonly duplicatesRemoved: number;
  /** Of those, rows whose Usage differed from the kept copy's (would have leaked between splits in canonical mode). */
  readonly crossSplitRemoved: number;
  /** Rows dropped by perClassCap, over all splits. */
  readonly cappedRemoved: number;
}

/** Splits a dataset by mode and seed; does not change the dataset. Throws RangeError on invalid fractions or cap. */
export function makeSplits(dataset: Dataset, opts: SplitOptions = {}): SplitResult {
  const mode = opts.mode ?? 'canonical';
  const seed = opts.seed ?? 0;
  const valFraction = opts.valFraction ?? 0.1;
  const testFraction = opts.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError('testFraction must be between 0 and 1');
  if (!(valFraction > 0 && valFraction + testFraction < 1))
    throw new RangeError('valFraction must be > 0 and valFraction + testFraction < 1');
  const cap = opts.perClassCap;
  if (cap !== undefined && !(Number.isInteger(cap) && cap > 0))
    throw new RangeError('perClassCap must be a positive integer');

  const { reps, effUsage, duplicatesRemoved, crossSplitRemoved } = distinctRows(dataset);
  const labels = dataset.labels;
  let train: number[] = [];
  let val: number[] = [];
  let test: number[] = [];
  if (mode === 'canonical') {
    for (const r of reps) {
      const u = effUsage[r];
      if (u === 0) train.push(r);
      else if (u === 1) val.push(r);
      else test.push(r);
    }
  } else {
    const rng = Rng.fromSeed(seed);
    const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
    for (const r of reps) byClass[labels[r] as number]?.push(r);
    // Stratified so every class keeps its share; test is drawn first, so paper and paper-clean share a test set.
    const pools = byClass.map((rows) => {
      rng.shuffle(rows);
      const nTest = Math.round(rows.length * testFraction);
      test.push(...rows.slice(0, nTest));
      return { rows: rows.slice(nTest), total: rows.length };
    });
    for (const { rows, total } of pools) {
      const nVal = mode === 'paper-clean' ? Math.min(rows.length, Math.round(total * valFraction)) : 0;
      val.push(...rows.slice(0, nVal));
      train.push(...rows.slice(nVal));
    }
  }

  let cappedRemoved = 0;
  if (cap !== undefined) {
    // A separate stream, so adding a cap does not change which images land in which split.
    const capRng = Rng.fromSeed((seed ^ 0x5bd1e995) >>> 0);
    const before = train.length + val.length + test.length;
    train = capPerClass(train, labels, cap, capRng);
    test = capPerClass(test, labels, cap, capRng);
    if (mode !== 'paper') val = capPerClass(val, labels, cap, capRng);
    cappedRemoved = before - (train.length + val.length + test.length);
  }
  // A copy, not the same array: transferring one buffer twice to a worker would throw.
  if (mode === 'paper') val = test.slice();
  const splits: Splits = { train: sorted(train), val: sorted(val), test: sorted(test) };
  return {
    splits,
    mode,
    leaky: isLeakySplit(mode),
    counts: splitCounts(dataset, splits),
    duplicatesRemoved,
    crossSplitRemoved,
    cappedRemoved,
  };
}

/** Per-class counts of each split, for the UI's histogram. */
export function splitCounts(dataset: Dataset, splits: Splits): SplitCounts {
  return {
    train: classCounts(dataset.labels, splits.train),
    val: classCounts(dataset.labels, splits.val),
    test: classCounts(dataset.labels, splits.test),
  };
}

/** Rows per [usage][class] of a dataset (3 x 7 numbers). */
export function usageClassCounts(dataset: Dataset): number[][] {
  const out = [0, 1, 2].map(() => new Array<number>(NUM_CLASSES).fill(0));
  for (let r = 0; r < dataset.count; r++) {
    const row = out[dataset.usage[r] as number];
    const label = dataset.labels[r] as number;
    if (row) row[label] = (row[label] as number) + 1;
  }
  return out;
}

function distinctRows(dataset: Dataset): {
  reps: number[];
  effUsage: Uint8Array;
  duplicatesRemoved: number;
  crossSplitRemoved: number;
} {
  const n = dataset.count;
  const { images, usage } = dataset;
  const index = new ImageIndex(images, n);
  const reps: number[] = [];
  const repOf = new Int32Array(n).fill(-1);
  const effUsage = new Uint8Array(n);
  let duplicatesRemoved = 0;
  for (let r = 0; r < n; r++) {
    const first = index.findOrAdd(r, hashImage(images, r * IMAGE_SIZE));
    const u = usage[r] as number;
    if (first < 0) {
      reps.push(r);
      effUsage[r] = u;
    } else {
      duplicatesRemoved++;
      repOf[r] = first;
      effUsage[first] = Math.min(effUsage[first] as number, u);
    }
  }
  let crossSplitRemoved = 0;
  for (let r = 0; r < n; r++) {
    const f = repOf[r] as number;
    if (f >= 0 && usage[r] !== effUsage[f]) crossSplitRemoved++;
  }
  return { reps, effUsage, duplicatesRemoved, crossSplitRemoved };
}

function capPerClass(rows: number[], labels: Uint8Array, cap: number, rng: Rng): number[] {
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (const r of sorted(rows)) byClass[labels[r] as number]?.push(r);
  const out: number[] = [];
  for (const cls of byClass) out.push(...(cls.length > cap ? rng.shuffle(cls).slice(0, cap) : cls));
  return out;
}

function sorted(rows: readonly number[]): Int32Array {
  return Int32Array.from(rows).sort();
}
