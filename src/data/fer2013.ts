/**
 * Streaming FER2013 CSV loader: byte chunks (plain, gzip, a tar, .tar.gz or ZIP archive) -> CSV bytes (byteSource.ts,
 * archive.ts, inflate.ts) -> lines (lineSplitter.ts)
 * -> header and row fields (csvFields.ts) -> a deduplicated Dataset whose pixels sit in one Uint8Array, with its
 * LoadReport (collector.ts). Every row is validated with its line number; blank lines, a UTF-8 BOM, CRLF or LF line
 * ends and quoted fields are accepted. It never throws: every failure is an `ok: false` result.
 */
import { csvBytes, SourceFault, type SourceInfo } from './byteSource';
import { DatasetCollector, type InputStats } from './collector';
import { parseHeader, ROW_BAD, ROW_OK, RowParser } from './csvFields';
import { IMAGE_SIZE, type Dataset } from './dataset';
import { LineSplitter, type LineSink } from './lineSplitter';
import { portableInflate, type Inflater } from './inflate';
import type { LoadReport } from './loadReport';

/** Progress of a load: bytes read from the source so far (compare with totalBytes), valid rows and skipped rows. */
export interface ParseProgress {
  readonly bytes: number;
  readonly totalBytes?: number;
  readonly rows: number;
  readonly badRows: number;
}

/** Options of parseFer2013. */
export interface ParseOptions {
  /** Force gzip on or off; by default it is detected from the magic bytes 1f 8b. */
  gzip?: boolean;
  /**
   * The decompressor for gzip and ZIP members; by default the portable one (fflate). Hosts pass their native one
   * (streamInflater(DecompressionStream)), several times faster.
   */
  inflate?: Inflater;
  /** Size of the source in bytes, for progress and to size the image buffer. */
  totalBytes?: number;
  onProgress?: (p: ParseProgress) => void;
  /** Checked once per chunk; when set, the load stops with `cancelled: true`. */
  signal?: { readonly aborted: boolean };
  /** Seed of the 80/10/10 split of a file without Usage. */
  seed?: number;
  /** Remove exact-duplicate images, keeping the first occurrence (default true). */
  dedupe?: boolean;
  /** Dataset name (default "FER2013"). */
  name?: string;
}

/** A usable dataset with its report, or one clear error message. */
export type ParseResult =
  | { readonly ok: true; readonly dataset: Dataset; readonly report: LoadReport }
  | { readonly ok: false; readonly error: string; readonly cancelled?: boolean; readonly report?: LoadReport };

/** A real row is under 10 KB; a much longer "line" is binary data or a broken file. */
const MAX_LINE_BYTES = 1 << 20;
const MAX_HEADER_BYTES = 1 << 16;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Parses a FER2013 CSV (.csv, .csv.gz, or inside a .tar, .tar.gz or .zip) from a stream of byte chunks; never throws, and does not modify the chunks. */
export async function parseFer2013(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ParseOptions = {},
): Promise<ParseResult> {
  try {
    return await load(chunks, opts);
  } catch (err) {
    return { ok: false, error: `could not read the file: ${errorText(err)}` };
  }
}

/** Header first, then rows: feeds each line to the right parser and every outcome to the collector. */
class Fer2013Lines implements LineSink {
  /** Why the file is rejected; set once, it stops the load. */
  fatal: string | null = null;
  private parser: RowParser | null = null;

  constructor(private readonly collector: DatasetCollector) {}

  get headerDone(): boolean {
    return this.parser !== null;
  }

  line(buf: Uint8Array, s: number, e: number, line: number): void {
    const parser = this.parser;
    if (!parser) {
      const header = parseHeader(buf, s, e);
      if ('error' in header) {
        this.fatal = header.error;
        this.collector.setColumns({ columns: [], extraColumns: header.extraColumns, hasUsage: false }, false);
        return;
      }
      this.collector.setColumns(header, true);
      this.parser = new RowParser(header);
      return;
    }
    if (e <= s) return;
    const collector = this.collector;
    const slot = collector.nextSlot();
    parser.images = collector.images;
    const outcome = parser.parse(buf, s, e, slot * IMAGE_SIZE);
    if (outcome === ROW_OK) collector.accept(slot, parser.label, parser.usage);
    else if (outcome === ROW_BAD) collector.bad(line, parser.badKind, parser.badReason);
  }

  tooLong(line: number): void {
    if (!this.parser) this.fatal = 'not a CSV file: the first line is longer than 64 KiB (binary data?)';
    else this.collector.bad(line, 'too-long', 'line is longer than 1 MiB (binary data?)');
  }

  maxLength(): number {
    return this.parser ? MAX_LINE_BYTES : MAX_HEADER_BYTES;
  }

  stopped(): boolean {
    return this.fatal !== null;
  }
}

/** Thrown by the source wrapper when the signal is aborted, and caught by load. */
class Cancelled extends Error {}

async function load(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ParseOptions,
): Promise<ParseResult> {
  const collector = new DatasetCollector(opts);
  const lines = new Fer2013Lines(collector);
  const splitter = new LineSplitter(lines);
  const info: SourceInfo = { gzip: false, archive: null };
  const signal = opts.signal;
  const total = opts.totalBytes;
  const progressStep = Math.max(1 << 20, total ? Math.floor(total / 200) : 0);
  let bytesRead = 0;
  let lastProgress = 0;
  const stats = (): InputStats => ({
    gzip: info.gzip,
    archive: info.archive,
    bytesRead,
    csvBytes: splitter.bytes,
    lines: splitter.lines,
  });
  const cancelled = (): ParseResult => ({
    ok: false,
    error: 'cancelled',
    cancelled: true,
    report: collector.report(stats()),
  });
  // The source as read: counted for progress, and checked for a cancel at every chunk.
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      if (signal?.aborted) throw new Cancelled('cancelled');
      bytesRead += chunk.length;
      yield chunk;
    }
  };

  try {
    for await (const csv of csvBytes(counted(), { gzip: opts.gzip, inflate: opts.inflate ?? portableInflate }, info)) {
      splitter.push(csv);
      if (lines.fatal) return { ok: false, error: lines.fatal, report: collector.report(stats()) };
      if (bytesRead - lastProgress >= progressStep) {
        lastProgress = bytesRead;
        opts.onProgress?.({ bytes: bytesRead, totalBytes: total, rows: collector.rows, badRows: collector.badCount });
      }
    }
  } catch (err) {
    if (err instanceof Cancelled) return cancelled();
    if (err instanceof SourceFault)
      return err.kind === 'format'
        ? { ok: false, error: err.message }
        : { ok: false, error: err.message, report: collector.report(stats()) };
    throw err;
  }
  if (signal?.aborted) return cancelled();
  splitter.finish();
  if (!lines.fatal && !lines.headerDone) lines.fatal = 'the file is empty';
  opts.onProgress?.({ bytes: bytesRead, totalBytes: total, rows: collector.rows, badRows: collector.badCount });
  if (lines.fatal) return { ok: false, error: lines.fatal, report: collector.report(stats()) };
  return collector.finish(stats());
}
