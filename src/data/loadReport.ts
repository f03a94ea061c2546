/** What the FER2013 loader tells about a file: rows kept and skipped, duplicates, columns; plain data for the page and the CLI. */
import type { ArchiveSource } from './archive';

/** Why a row was skipped. */
export type BadRowKind =
  | 'label'
  | 'pixel-count'
  | 'pixel-value'
  | 'usage'
  | 'quote'
  | 'binary'
  | 'utf8'
  | 'fields'
  | 'too-long';

/** One skipped row: its 1-based line number in the file (the header is line 1) and a readable reason. */
export interface BadLine {
  readonly line: number;
  readonly kind: BadRowKind;
  readonly reason: string;
}

/** Exact-duplicate statistics over the valid rows. */
export interface DuplicateStats {
  /** Rows whose pixels repeat an earlier row (removed when deduplicating). */
  readonly rows: number;
  /** Distinct images that occur more than once. */
  readonly groups: number;
  /** Groups whose rows do not all carry the same label. */
  readonly labelConflicts: number;
  /** Groups whose rows carry more than one Usage value. */
  readonly crossUsage: number;
}

/** What the loader saw; counts of "rows" are valid rows before deduplication, "kept" after. */
export interface LoadReport {
  readonly gzip: boolean;
  /** The archive the CSV was a member of (a .tar, .tar.gz or .zip), or null for a bare .csv or .csv.gz. */
  readonly archive: ArchiveSource | null;
  /** Bytes read from the source (compressed size for .gz). */
  readonly bytesRead: number;
  /** Bytes of CSV text parsed. */
  readonly csvBytes: number;
  /** Lines seen, including the header and blank lines. */
  readonly lines: number;
  /** Header names in file order. */
  readonly columns: readonly string[];
  /** Header names that were ignored. */
  readonly extraColumns: readonly string[];
  /** Where Usage came from: the file, or a seeded 80/10/10 random split. */
  readonly usageSource: 'file' | 'random';
  readonly rows: number;
  readonly kept: number;
  readonly deduplicated: boolean;
  readonly duplicates: DuplicateStats;
  readonly badCount: number;
  /** The first MAX_BAD_LINES skipped rows. */
  readonly badLines: readonly BadLine[];
  /** Valid rows per class before deduplication. */
  readonly rowsPerClass: readonly number[];
  /** Valid rows per [usage][class] before deduplication; null without a Usage column. */
  readonly rowsPerUsageClass: readonly (readonly number[])[] | null;
  /** Kept rows per [usage][class]. */
  readonly keptPerUsageClass: readonly (readonly number[])[];
}

/** How many skipped rows are listed individually. */
export const MAX_BAD_LINES = 100;
