/**
 * The last stage of a load: valid rows collected into one image buffer, exact duplicates dropped as they arrive, skipped
 * rows listed, and the Dataset and LoadReport made at the end. All state lives in typed arrays that grow geometrically.
 *
 * Duplicates (identical pixels) keep the first occurrence's pixels and label. With a Usage column, the kept row takes the
 * earliest Usage of its group (Training < PublicTest < PrivateTest), so an image that appears anywhere in Training is
 * never evaluated on: the copies in PublicTest/PrivateTest are the ones removed. Without a Usage column, the distinct
 * images are shuffled with the seed and split 80/10/10 into Training/PublicTest/PrivateTest.
 */
import { Rng } from '../ga/rng';
import { IMAGE_SIZE, NUM_CLASSES, type Dataset } from './dataset';
import { ImageIndex, hashImage } from './imageIndex';
import type { ArchiveSource } from './archive';
import { MAX_BAD_LINES, type BadLine, type BadRowKind, type LoadReport } from './loadReport';

const USAGE_MASK = 7;
const FLAG_DUP = 8;
const FLAG_CONFLICT = 16;

/** How to collect: dedupe or not, the seed of a random Usage split, the dataset's name and a size hint. */
export interface CollectOptions {
  /** Remove exact-duplicate images, keeping the first occurrence (default true). */
  readonly dedupe?: boolean;
  /** Seed of the 80/10/10 split of a file without Usage. */
  readonly seed?: number;
  /** Dataset name (default "FER2013"). */
  readonly name?: string;
  /** Size of the source in bytes, to size the image buffer. */
  readonly totalBytes?: number;
  /** True when the source is known to be gzip (it shrinks a row about 3.2x). */
  readonly gzip?: boolean;
}

/** What the earlier stages know about the input, for the report. */
export interface InputStats {
  readonly gzip: boolean;
  readonly archive: ArchiveSource | null;
  readonly bytesRead: number;
  readonly csvBytes: number;
  readonly lines: number;
}

/** The header as the report shows it: column names, ignored ones, and whether Usage comes from the file. */
export interface Columns {
  readonly columns: readonly string[];
  readonly extraColumns: readonly string[];
  readonly hasUsage: boolean;
}

/** Rows of one load, deduplicated as they arrive. */
export class DatasetCollector {
  /** Valid rows so far, before deduplication. */
  rows = 0;
  badCount = 0;
  /** Where row `slot`'s pixels go, at slot * IMAGE_SIZE; replaced by a larger copy as rows arrive (see nextSlot). */
  images: Uint8Array;

  private readonly dedupe: boolean;
  private readonly seed: number;
  private readonly name: string;
  private header: Columns = { columns: [], extraColumns: [], hasUsage: false };
  private headerDone = false;
  private cap: number;
  private labels: Uint8Array;
  private usage: Uint8Array;
  /** Per kept row: bits 0-2 the Usage values seen in its duplicate group, FLAG_DUP, FLAG_CONFLICT. */
  private flags: Uint8Array;
  private index: ImageIndex;
  private kept = 0;
  private dupRows = 0;
  private readonly badLines: BadLine[] = [];
  private readonly rowsPerClass = new Array<number>(NUM_CLASSES).fill(0);
  private readonly rowsPerUsageClass = new Array<number>(3 * NUM_CLASSES).fill(0);

  constructor(opts: CollectOptions) {
    this.dedupe = opts.dedupe ?? true;
    this.seed = opts.seed ?? 0;
    this.name = opts.name ?? 'FER2013';
    // A FER2013 row is about 8.4 KB of CSV and gzip shrinks it about 3.2x; a close first guess avoids regrowing.
    const total = opts.totalBytes ?? 0;
    const guess = Math.ceil(total / (opts.gzip ? 2500 : 8000));
    this.cap = Math.max(256, guess);
    this.images = new Uint8Array(this.cap * IMAGE_SIZE);
    this.labels = new Uint8Array(this.cap);
    this.usage = new Uint8Array(this.cap);
    this.flags = new Uint8Array(this.cap);
    this.index = new ImageIndex(this.images, this.cap);
  }

  /** The header's columns (reported even when the header rejects the file). */
  setColumns(columns: Columns, valid: boolean): void {
    this.header = columns;
    this.headerDone = valid;
  }

  /** The slot the next row's pixels go to, with room made for it (which may replace `images`). */
  nextSlot(): number {
    const r = this.kept;
    if (r >= this.cap) this.grow();
    return r;
  }

  /** Records the valid row whose pixels are in `slot` (from nextSlot); a duplicate's slot is reused by the next row. */
  accept(slot: number, label: number, usage: number): void {
    this.rows++;
    this.rowsPerClass[label] = (this.rowsPerClass[label] as number) + 1;
    const uc = usage * NUM_CLASSES + label;
    this.rowsPerUsageClass[uc] = (this.rowsPerUsageClass[uc] as number) + 1;
    const first = this.index.findOrAdd(slot, hashImage(this.images, slot * IMAGE_SIZE));
    if (first >= 0) {
      this.dupRows++;
      let f = (this.flags[first] as number) | FLAG_DUP | (1 << usage);
      if (this.labels[first] !== label) f |= FLAG_CONFLICT;
      this.flags[first] = f;
      if (this.dedupe) return;
    }
    this.labels[slot] = label;
    this.usage[slot] = usage;
    this.flags[slot] = 1 << usage;
    this.kept++;
  }

  /** Records a skipped row. */
  bad(line: number, kind: BadRowKind, reason: string): void {
    this.badCount++;
    if (this.badLines.length < MAX_BAD_LINES) this.badLines.push({ line, kind, reason });
  }

  /** The report so far (also used for rejected loads). */
  report(input: InputStats): LoadReport {
    const n = this.kept;
    let groups = 0;
    let labelConflicts = 0;
    let crossUsage = 0;
    for (let r = 0; r < n; r++) {
      const f = this.flags[r] as number;
      if (!(f & FLAG_DUP)) continue;
      groups++;
      if (f & FLAG_CONFLICT) labelConflicts++;
      const m = f & USAGE_MASK;
      if (m & (m - 1)) crossUsage++;
    }
    const keptPerUsageClass = [0, 1, 2].map(() => new Array<number>(NUM_CLASSES).fill(0));
    for (let r = 0; r < n; r++) {
      const row = keptPerUsageClass[this.usage[r] as number];
      const label = this.labels[r] as number;
      if (row) row[label] = (row[label] as number) + 1;
    }
    const hasUsage = this.headerDone && this.header.hasUsage;
    return {
      gzip: input.gzip,
      archive: input.archive,
      bytesRead: input.bytesRead,
      csvBytes: input.csvBytes,
      lines: input.lines,
      columns: this.header.columns,
      extraColumns: this.header.extraColumns,
      usageSource: hasUsage || !this.headerDone ? 'file' : 'random',
      rows: this.rows,
      kept: n,
      deduplicated: this.dedupe,
      duplicates: { rows: this.dupRows, groups, labelConflicts, crossUsage },
      badCount: this.badCount,
      badLines: this.badLines.slice(),
      rowsPerClass: this.rowsPerClass.slice(),
      rowsPerUsageClass: hasUsage
        ? [0, 1, 2].map((u) => this.rowsPerUsageClass.slice(u * NUM_CLASSES, (u + 1) * NUM_CLASSES))
        : null,
      keptPerUsageClass,
    };
  }

  /** Finalises usage codes and trims the buffers to the kept rows; an error when no row was kept. */
  finish(
    input: InputStats,
  ): { ok: true; dataset: Dataset; report: LoadReport } | { ok: false; error: string; report: LoadReport } {
    const n = this.kept;
    if (n === 0) {
      const first = this.badLines[0];
      const error =
        this.badCount === 0
          ? 'no data rows: the file has a header but no rows'
          : `no valid rows: all ${this.badCount} data rows were rejected (first: line ${first?.line}: ${first?.reason})`;
      return { ok: false, error, report: this.report(input) };
    }
    if (!this.header.hasUsage) {
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      Rng.fromSeed(this.seed).shuffle(order);
      const nTrain = Math.round(n * 0.8);
      const nVal = Math.round(n * 0.1);
      for (let i = 0; i < n; i++) this.usage[order[i] as number] = i < nTrain ? 0 : i < nTrain + nVal ? 1 : 2;
    } else if (this.dedupe) {
      for (let r = 0; r < n; r++) {
        const m = (this.flags[r] as number) & USAGE_MASK;
        // Lowest set bit = earliest Usage in Training < PublicTest < PrivateTest.
        this.usage[r] = m & 1 ? 0 : m & 2 ? 1 : 2;
      }
    }
    const dataset: Dataset = {
      name: this.name,
      synthetic: false,
      count: n,
      images: trimmed(this.images, n * IMAGE_SIZE),
      labels: this.labels.slice(0, n),
      usage: this.usage.slice(0, n),
    };
    const report = this.report(input);
    // Free the working buffers early: the full file's are ~90 MB.
    this.images = new Uint8Array(0);
    this.index = new ImageIndex(this.images, 0);
    return { ok: true, dataset, report };
  }

  private grow(): void {
    const cap = Math.ceil(this.cap * 1.5);
    const images = new Uint8Array(cap * IMAGE_SIZE);
    images.set(this.images);
    this.images = images;
    this.index.setImages(images);
    this.labels = growBytes(this.labels, cap);
    this.usage = growBytes(this.usage, cap);
    this.flags = growBytes(this.flags, cap);
    this.cap = cap;
  }
}

/**
 * The first `length` bytes of the image buffer. When the unused tail is small, a view of the working buffer: copying
 * would briefly hold both (about 160 MB for the full file, the peak of the whole load) to save a few MB.
 */
function trimmed(images: Uint8Array, length: number): Uint8Array {
  return images.length - length <= images.length / 8 ? images.subarray(0, length) : images.slice(0, length);
}

function growBytes(a: Uint8Array, cap: number): Uint8Array {
  const out = new Uint8Array(cap);
  out.set(a);
  return out;
}
