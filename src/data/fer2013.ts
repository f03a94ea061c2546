/**
 * Streaming FER2013 CSV loader: byte chunks (plain or gzip) -> CSV bytes (byteSource.ts) -> lines (lineSplitter.ts)
 * -> header and row fields (csvFields.ts) -> a deduplicated Dataset whose pixels sit in one Uint8Array, with its
 * LoadReport (collector.ts). Every row is validated with its line number; blank lines, a UTF-8 BOM, CRLF or LF line
 * ends and quoted fields are accepted. It never throws: every failure is an `ok: false` result.
 */
import { CsvByteSource } from './byteSource';
import { DatasetCollector, type InputStats } from './collector';
import { parseHeader, ROW_BAD, ROW_OK, RowParser } from './csvFields';
import { IMAGE_SIZE, type Dataset } from './dataset';
import { LineSplitter, type LineSink } from './lineSplitter';
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

/** Parses a FER2013 CSV (.csv or .csv.gz) from a stream of byte chunks; never throws, and does not modify the chunks. */
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

async function load(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: ParseOptions): Promise<ParseResult> {
  const collector = new DatasetCollector(opts);
  const lines = new Fer2013Lines(collector);
  const splitter = new LineSplitter(lines);
  const source = new CsvByteSource((csv) => splitter.push(csv), opts.gzip);
  const signal = opts.signal;
  const total = opts.totalBytes;
  const progressStep = Math.max(1 << 20, total ? Math.floor(total / 200) : 0);
  let bytesRead = 0;
  let lastProgress = 0;
  const stats = (): InputStats => ({ gzip: source.gzip, bytesRead, csvBytes: splitter.bytes, lines: splitter.lines });
  const cancelled = (): ParseResult => ({ ok: false, error: 'cancelled', cancelled: true, report: collector.report(stats()) });

  for await (const chunk of chunks) {
    if (signal?.aborted) return cancelled();
    bytesRead += chunk.length;
    const fault = source.push(chunk);
    if (fault) return fault.kind === 'format' ? { ok: false, error: fault.message } : { ok: false, error: fault.message, report: collector.report(stats()) };
    if (lines.fatal) return { ok: false, error: lines.fatal, report: collector.report(stats()) };
    if (bytesRead - lastProgress >= progressStep) {
      lastProgress = bytesRead;
      opts.onProgress?.({ bytes: bytesRead, totalBytes: total, rows: collector.rows, badRows: collector.badCount });
    }
  }
  if (signal?.aborted) return cancelled();
  const fault = source.end();
  if (fault) return fault.kind === 'format' ? { ok: false, error: fault.message } : { ok: false, error: fault.message, report: collector.report(stats()) };
  splitter.finish();
  if (!lines.fatal && !lines.headerDone) lines.fatal = 'the file is empty';
  opts.onProgress?.({ bytes: bytesRead, totalBytes: total, rows: collector.rows, badRows: collector.badCount });
  if (lines.fatal) return { ok: false, error: lines.fatal, report: collector.report(stats()) };
  return collector.finish(stats());
}
