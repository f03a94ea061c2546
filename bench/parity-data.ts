/**
 * The data side of the accuracy benchmarks (bench/accuracy.ts, bench/accuracy-full.ts): the canonical FER2013 split
 * with a seeded per-class cap per part, and the binary file that hands the same images to the PyTorch reference
 * (bench/torch_parity.py). Pure TypeScript, no tfjs.
 *
 * Subset file layout (little-endian), read by `read_subset` in bench/torch_parity.py:
 *   8 bytes  magic "EVLSUB01"
 *   4 x u32  training, validation and test image counts, image side (48)
 *   n bytes  labels 0..6: the training images, then validation, then test
 *   n x 2304 pixels 0..255, row-major, in the same order
 */
import {
  IMAGE_SIDE,
  IMAGE_SIZE,
  NUM_CLASSES,
  USAGE_PRIVATE,
  USAGE_PUBLIC,
  USAGE_TRAINING,
  classCounts,
  type Dataset,
} from '../src/data/dataset';
import { makeSplits } from '../src/data/splits';
import { Rng } from '../src/ga/rng';

/** Most images kept per class in each part; `null` keeps them all. */
export interface PartCaps {
  readonly train: number | null;
  readonly val: number | null;
  readonly test: number | null;
}

/** A self-contained dataset of training rows, then validation rows, then test rows, with their row ranges. */
export interface ParitySubset {
  /** Usage is Training / PublicTest / PrivateTest by part. */
  readonly dataset: Dataset;
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly test: Int32Array;
}

const MAGIC = 'EVLSUB01';
const HEADER_BYTES = MAGIC.length + 4 * 4;
const PARTS = ['train', 'val', 'test'] as const;
const PART_USAGE = [USAGE_TRAINING, USAGE_PUBLIC, USAGE_PRIVATE];

/**
 * The canonical split of `source` (Training / PublicTest / PrivateTest, exact duplicates removed as makeSplits does),
 * each part cut to at most `caps[part]` images per class by a seeded draw; rows keep their file order within a part.
 * Does not change `source`.
 */
export function drawSubset(source: Dataset, caps: PartCaps, seed: number): ParitySubset {
  const { splits } = makeSplits(source, { mode: 'canonical' });
  const rng = Rng.fromSeed(seed);
  const picked = PARTS.map((part) => capPerClass(splits[part], source.labels, caps[part], rng));
  const count = picked.reduce((n, rows) => n + rows.length, 0);
  const images = new Uint8Array(count * IMAGE_SIZE);
  const labels = new Uint8Array(count);
  const usage = new Uint8Array(count);
  let at = 0;
  picked.forEach((rows, p) => {
    for (const r of rows) {
      images.set(source.images.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE), at * IMAGE_SIZE);
      labels[at] = source.labels[r] as number;
      usage[at] = PART_USAGE[p] as number;
      at++;
    }
  });
  const dataset: Dataset = {
    name: `${source.name} (subset)`,
    synthetic: source.synthetic,
    count,
    images,
    labels,
    usage,
  };
  return { dataset, ...ranges(picked.map((rows) => rows.length) as [number, number, number]) };
}

function capPerClass(rows: Int32Array, labels: Uint8Array, cap: number | null, rng: Rng): number[] {
  if (cap === null) return [...rows];
  const byClass: number[][] = Array.from({ length: NUM_CLASSES }, () => []);
  for (const r of rows) byClass[labels[r] as number]?.push(r);
  const kept = byClass.flatMap((cls) => (cls.length > cap ? rng.shuffle(cls).slice(0, cap) : cls));
  return kept.sort((a, b) => a - b);
}

function ranges([nTrain, nVal, nTest]: [number, number, number]): Omit<ParitySubset, 'dataset'> {
  const span = (from: number, n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => from + i);
  return { train: span(0, nTrain), val: span(nTrain, nVal), test: span(nTrain + nVal, nTest) };
}

/** Images per class (7 numbers) of each part. */
export function subsetCounts(s: ParitySubset): { train: number[]; val: number[]; test: number[] } {
  return {
    train: classCounts(s.dataset.labels, s.train),
    val: classCounts(s.dataset.labels, s.val),
    test: classCounts(s.dataset.labels, s.test),
  };
}

/** The subset file's bytes (layout in this file's header comment). */
export function encodeSubset(s: ParitySubset): Uint8Array {
  const n = s.dataset.count;
  const out = new Uint8Array(HEADER_BYTES + n + n * IMAGE_SIZE);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  [s.train.length, s.val.length, s.test.length, IMAGE_SIDE].forEach((v, i) =>
    view.setUint32(MAGIC.length + 4 * i, v, true),
  );
  out.set(s.dataset.labels, HEADER_BYTES);
  out.set(s.dataset.images.subarray(0, n * IMAGE_SIZE), HEADER_BYTES + n);
  return out;
}

/** A subset read back from its file's bytes; throws on a file of another layout. Views into `bytes`, no copy. */
export function decodeSubset(bytes: Uint8Array, name = 'FER2013 (subset)'): ParitySubset {
  const magic = String.fromCharCode(...bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new Error(`not a subset file (magic ${JSON.stringify(magic)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [nTrain, nVal, nTest, side] = [0, 1, 2, 3].map((i) => view.getUint32(MAGIC.length + 4 * i, true)) as [
    number,
    number,
    number,
    number,
  ];
  if (side !== IMAGE_SIDE)
    throw new Error(`subset file has ${side}x${side} images, expected ${IMAGE_SIDE}x${IMAGE_SIDE}`);
  const count = nTrain + nVal + nTest;
  if (bytes.length !== HEADER_BYTES + count * (1 + IMAGE_SIZE))
    throw new Error(`subset file is ${bytes.length} bytes, its header says ${HEADER_BYTES + count * (1 + IMAGE_SIZE)}`);
  const labels = bytes.subarray(HEADER_BYTES, HEADER_BYTES + count);
  if (labels.some((l) => l >= NUM_CLASSES)) throw new Error('subset file has a label outside 0..6');
  const usage = new Uint8Array(count);
  usage.fill(USAGE_PUBLIC, nTrain, nTrain + nVal).fill(USAGE_PRIVATE, nTrain + nVal);
  const images = bytes.subarray(HEADER_BYTES + count);
  return { dataset: { name, synthetic: false, count, images, labels, usage }, ...ranges([nTrain, nVal, nTest]) };
}

/** Mean, sample standard deviation, min and max of a non-empty list. */
export interface SampleStats {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** Summary statistics of `xs` (sd is 0 for one value); throws on an empty list. */
export function sampleStats(xs: readonly number[]): SampleStats {
  if (xs.length === 0) throw new Error('summary of no values');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}
