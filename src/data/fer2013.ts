/**
 * Streaming FER2013 CSV loader. It reads byte chunks (plain or gzip, detected by magic bytes), maps columns by header
 * name, validates every row with its line number, drops exact-duplicate images as they arrive, and returns a Dataset
 * whose pixels sit in one Uint8Array. It never throws: every failure is an `ok: false` result.
 *
 * Format rules (documented choices):
 * - Columns are found by name, case-insensitively: `emotion` and `pixels` are required, `Usage` is optional, any other
 *   column is ignored and listed in the report. A UTF-8 BOM, CRLF or LF line ends, quoted fields ("" escapes a quote)
 *   and blank lines anywhere are accepted.
 * - A record never spans lines: no FER2013 field can contain a line break, so a quote still open at the end of a
 *   line is an "unterminated quote" on that line and parsing resumes on the next one.
 * - Duplicates (identical pixels) keep the first occurrence's pixels and label. When the Usage column exists, the kept
 *   row takes the earliest Usage of its group (Training < PublicTest < PrivateTest), so an image that appears anywhere
 *   in Training is never evaluated on: the copies in PublicTest/PrivateTest are the ones removed.
 * - Without a Usage column, the distinct images are shuffled with `seed` and split 80/10/10 into
 *   Training/PublicTest/PrivateTest.
 */
import { Gunzip } from 'fflate';
import { Rng } from '../ga/rng';
import { IMAGE_SIZE, NUM_CLASSES, USAGE_NAMES, type Dataset } from './dataset';
import { asciiBytes, decodeUtf8, quoteBytes, utf8SequenceLength } from './bytes';
import { ImageIndex, hashImage } from './imageIndex';

/** Why a row was skipped. */
export type BadRowKind = 'label' | 'pixel-count' | 'pixel-value' | 'usage' | 'quote' | 'binary' | 'utf8' | 'fields' | 'too-long';

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

/** How many skipped rows are listed individually. */
export const MAX_BAD_LINES = 100;

const MAX_HEADER_BYTES = 1 << 16;
/** A real row is under 10 KB; a much longer "line" is binary data or a broken file. */
const MAX_LINE_BYTES = 1 << 20;

const ROLE_EXTRA = 0;
const ROLE_EMOTION = 1;
const ROLE_PIXELS = 2;
const ROLE_USAGE = 3;

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
const CR = 13;
const LF = 10;

const USAGE_BYTES = USAGE_NAMES.map(asciiBytes);
const USAGE_MASK = 7;
const FLAG_DUP = 8;
const FLAG_CONFLICT = 16;

/** Parses a FER2013 CSV (.csv or .csv.gz) from a stream of byte chunks; never throws, and does not modify the chunks. */
export async function parseFer2013(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  opts: ParseOptions = {},
): Promise<ParseResult> {
  try {
    return await run(chunks, opts);
  } catch (err) {
    return { ok: false, error: `could not read the file: ${describe(err)}` };
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

async function run(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: ParseOptions): Promise<ParseResult> {
  const reader = new CsvReader(opts);
  const signal = opts.signal;
  const total = opts.totalBytes;
  const progressStep = Math.max(1 << 20, total ? Math.floor(total / 200) : 0);
  let head: Uint8Array | null = new Uint8Array(0);
  // In an object so the closures' assignment is visible to the flow analysis below.
  const gzState: { gz: Gunzip | null } = { gz: null };
  let gzip = false;
  let memberOut = 0;
  const tail = new Uint8Array(4);
  let bytesRead = 0;
  let lastProgress = 0;

  const progress = (): void => {
    opts.onProgress?.({ bytes: bytesRead, totalBytes: total, rows: reader.rows, badRows: reader.badCount });
  };
  const feed = (chunk: Uint8Array): void => {
    const gz = gzState.gz;
    if (!gz) {
      reader.push(chunk);
      return;
    }
    // gzip ends with the uncompressed size mod 2^32; fflate does not check it, so a truncated download would pass silently.
    if (chunk.length >= 4) tail.set(chunk.subarray(chunk.length - 4));
    else {
      tail.copyWithin(0, chunk.length);
      tail.set(chunk, 4 - chunk.length);
    }
    gz.push(chunk, false);
  };
  const decide = (h: Uint8Array): string | null => {
    gzip = opts.gzip ?? (h.length >= 2 && h[0] === 0x1f && h[1] === 0x8b);
    if (!gzip) {
      if (h[0] === 0x50 && h[1] === 0x4b && h[2] === 3 && h[3] === 4) return 'not a CSV file: this is a ZIP archive; extract fer2013.csv from it (or use fer2013.csv.gz)';
      if ((h[0] === 0xff && h[1] === 0xfe) || (h[0] === 0xfe && h[1] === 0xff)) return 'not a UTF-8 CSV file: the text is UTF-16; save it as UTF-8';
    } else {
      const gz = new Gunzip((data) => {
        memberOut += data.length;
        reader.push(data);
      });
      gzState.gz = gz;
      // A multi-member gzip stores one size per member; only the last member is checked.
      gz.onmember = () => {
        memberOut = 0;
      };
    }
    reader.gzip = gzip;
    if (h.length > 0) feed(h);
    return null;
  };
  const gzipError = (err: unknown): ParseResult => ({ ok: false, error: `not a valid gzip file: ${describe(err)}`, report: reader.report() });

  for await (const chunk of chunks) {
    if (signal?.aborted) return { ok: false, error: 'cancelled', cancelled: true, report: reader.report() };
    bytesRead += chunk.length;
    reader.bytesRead = bytesRead;
    try {
      if (head) {
        // Sniffing needs the first 4 bytes, which may arrive split across tiny chunks.
        const h: Uint8Array = new Uint8Array(head.length + chunk.length);
        h.set(head);
        h.set(chunk, head.length);
        if (h.length < 4) {
          head = h;
          continue;
        }
        head = null;
        const err = decide(h);
        if (err) return { ok: false, error: err };
      } else {
        feed(chunk);
      }
    } catch (err) {
      if (gzState.gz) return gzipError(err);
      throw err;
    }
    if (reader.fatal) return { ok: false, error: reader.fatal, report: reader.report() };
    if (bytesRead - lastProgress >= progressStep) {
      lastProgress = bytesRead;
      progress();
    }
  }
  if (signal?.aborted) return { ok: false, error: 'cancelled', cancelled: true, report: reader.report() };
  try {
    if (head) {
      const err = decide(head);
      if (err) return { ok: false, error: err };
    }
    const gz = gzState.gz;
    if (gz) {
      gz.push(new Uint8Array(0), true);
      const size = (tail[0] as number) | ((tail[1] as number) << 8) | ((tail[2] as number) << 16) | ((tail[3] as number) << 24);
      if (bytesRead < 18 || size >>> 0 !== memberOut >>> 0) {
        return { ok: false, error: 'not a valid gzip file: it is truncated or corrupt (the size check failed)', report: reader.report() };
      }
    }
  } catch (err) {
    if (gzState.gz) return gzipError(err);
    throw err;
  }
  reader.finish();
  progress();
  if (reader.fatal) return { ok: false, error: reader.fatal, report: reader.report() };
  return reader.result();
}

/** Incremental line splitter and row validator; all state lives in typed arrays that grow geometrically. */
class CsvReader {
  gzip = false;
  bytesRead = 0;
  fatal: string | null = null;
  rows = 0;
  badCount = 0;

  private readonly dedupe: boolean;
  private readonly seed: number;
  private readonly name: string;
  private csvBytes = 0;
  private lineNo = 0;
  private carry = new Uint8Array(1 << 14);
  private carryLen = 0;
  /** Inside an over-long line that was already reported; bytes are dropped until its line feed. */
  private skipping = false;

  private headerDone = false;
  private columns: string[] = [];
  private extraColumns: string[] = [];
  private roles = new Uint8Array(0);
  private hasUsage = false;

  private cap: number;
  private images: Uint8Array;
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

  // Outputs of pixels(): kept in fields so the hot loop returns a plain number.
  private pxCount = 0;
  private pxErr = -1;
  private pxTok = 0;
  private pxRange = false;
  /** Output of scan(): position of the first byte that is not text, or -1. */
  private oddAt = -1;

  constructor(opts: ParseOptions) {
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

  /** Consumes one chunk of CSV bytes. */
  push(chunk: Uint8Array): void {
    this.csvBytes += chunk.length;
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.fatal) return;
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        if (!this.skipping) this.appendCarry(chunk, pos, n);
        return;
      }
      if (this.skipping) {
        this.skipping = false;
      } else if (this.carryLen > 0) {
        this.appendCarry(chunk, pos, nl);
        if (this.skipping) this.skipping = false;
        else this.line(this.carry, 0, this.carryLen);
        this.carryLen = 0;
      } else if (nl - pos > this.maxLine()) {
        this.tooLong();
      } else {
        this.line(chunk, pos, nl);
      }
      pos = nl + 1;
    }
  }

  /** Handles a last line without a line feed and checks that a header was seen. */
  finish(): void {
    if (this.fatal) return;
    if (!this.skipping && this.carryLen > 0) this.line(this.carry, 0, this.carryLen);
    this.carryLen = 0;
    if (!this.headerDone && !this.fatal) this.fatal = 'the file is empty';
  }

  private maxLine(): number {
    return this.headerDone ? MAX_LINE_BYTES : MAX_HEADER_BYTES;
  }

  private appendCarry(src: Uint8Array, a: number, b: number): void {
    const need = this.carryLen + (b - a);
    if (need > this.maxLine()) {
      this.tooLong();
      this.skipping = true;
      this.carryLen = 0;
      return;
    }
    if (need > this.carry.length) {
      const grown = new Uint8Array(Math.max(need, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
    }
    this.carry.set(src.subarray(a, b), this.carryLen);
    this.carryLen = need;
  }

  private tooLong(): void {
    this.lineNo++;
    if (!this.headerDone) this.fatal = 'not a CSV file: the first line is longer than 64 KiB (binary data?)';
    else this.bad(this.lineNo, 'too-long', 'line is longer than 1 MiB (binary data?)');
  }

  private line(buf: Uint8Array, s: number, e: number): void {
    this.lineNo++;
    if (e > s && buf[e - 1] === CR) e--;
    if (!this.headerDone) this.header(buf, s, e);
    else if (e > s) this.row(buf, s, e);
  }

  private bad(line: number, kind: BadRowKind, reason: string): void {
    this.badCount++;
    if (this.badLines.length < MAX_BAD_LINES) this.badLines.push({ line, kind, reason });
  }

  /** Scans to the next `stop` byte (or e) and records in oddAt the first byte that is neither text nor a tab. */
  private scan(buf: Uint8Array, p: number, e: number, stop: number): number {
    this.oddAt = -1;
    while (p < e) {
      const b = buf[p] as number;
      if (b === stop) return p;
      if (b < 32 || b > 126) {
        if (b >= 128) {
          const n = utf8SequenceLength(buf, p, e);
          if (n > 0) {
            p += n;
            continue;
          }
          if (this.oddAt < 0) this.oddAt = p;
        } else if (b !== TAB && this.oddAt < 0) {
          this.oddAt = p;
        }
      }
      p++;
    }
    return p;
  }

  /** The reason for a non-text byte at p: binary data (control bytes) or invalid UTF-8. */
  private oddReason(buf: Uint8Array, p: number, line: number): void {
    const b = buf[p] as number;
    const hex = b.toString(16).padStart(2, '0');
    if (b >= 128) this.bad(line, 'utf8', `not valid UTF-8 text (byte 0x${hex})`);
    else this.bad(line, 'binary', `binary content (byte 0x${hex})`);
  }

  private header(buf: Uint8Array, s: number, e: number): void {
    if (e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    const names: string[] = [];
    let p = s;
    for (;;) {
      let fs = p;
      let fe: number;
      let next: number;
      if (p < e && buf[p] === QUOTE) {
        let q = p + 1;
        for (;;) {
          q = this.scan(buf, q, e, QUOTE);
          if (this.oddAt >= 0) break;
          if (q + 1 < e && buf[q + 1] === QUOTE) {
            q += 2;
            continue;
          }
          break;
        }
        if (this.oddAt < 0 && q >= e) {
          this.fatal = 'not a CSV file: unterminated quote in the header (line 1)';
          return;
        }
        fs = p + 1;
        fe = q;
        next = q + 1;
      } else {
        next = this.scan(buf, p, e, COMMA);
        fe = next;
      }
      if (this.oddAt >= 0) {
        if (buf[this.oddAt] === CR) this.fatal = 'not a CSV file: lines end in CR only; expected LF or CRLF line ends';
        // Binary formats (PNG, JPEG, ...) often start with a byte >= 0x80, so both cases get one message.
        else this.fatal = 'not a CSV file: the first line is binary data or not UTF-8 text';
        return;
      }
      names.push(decodeUtf8(buf, fs, fe).replaceAll('""', '"').trim());
      if (next < e && buf[next] !== COMMA) {
        this.fatal = 'not a CSV file: text after a closing quote in the header (line 1)';
        return;
      }
      if (next >= e) break;
      p = next + 1;
    }
    const roles = new Uint8Array(names.length);
    const seen = new Map<number, string>();
    names.forEach((name, i) => {
      const key = name.toLowerCase();
      const role = key === 'emotion' ? ROLE_EMOTION : key === 'pixels' ? ROLE_PIXELS : key === 'usage' ? ROLE_USAGE : ROLE_EXTRA;
      if (role !== ROLE_EXTRA && seen.has(role) && !this.fatal) this.fatal = `not a FER2013 CSV: the header (line 1) names the column "${name}" twice`;
      seen.set(role, name);
      roles[i] = role;
      if (role === ROLE_EXTRA) this.extraColumns.push(name);
    });
    if (this.fatal) return;
    if (!seen.has(ROLE_EMOTION) || !seen.has(ROLE_PIXELS)) {
      let found = names.map((n) => JSON.stringify(n)).join(', ');
      if (found.length > 120) found = `${found.slice(0, 120)}…`;
      this.fatal = `not a FER2013 CSV: the header (line 1) must name the columns emotion and pixels (Usage is optional); found ${found}`;
      return;
    }
    this.columns = names;
    this.roles = roles;
    this.hasUsage = seen.has(ROLE_USAGE);
    this.headerDone = true;
  }

  private ensureRow(r: number): void {
    if (r < this.cap) return;
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

  /**
   * Parses pixel text from p into images[base..]: the hot loop of the whole load. Stops at a comma when `commaEnds`,
   * or at e; sets pxCount and, on the first bad token, pxErr (offending byte), pxTok (token start) and pxRange (> 255).
   */
  private pixels(buf: Uint8Array, p: number, e: number, base: number, commaEnds: boolean): number {
    const images = this.images;
    let k = 0;
    this.pxErr = -1;
    while (p < e) {
      let b = buf[p] as number;
      let d = b - 48;
      if (d >= 0 && d <= 9) {
        // Unrolled for the 1-3 digits of a valid pixel: about 1.5x faster than a general digit loop.
        const t0 = p;
        let v = d;
        p++;
        if (p < e) {
          d = (buf[p] as number) - 48;
          if (d >= 0 && d <= 9) {
            v = v * 10 + d;
            p++;
            if (p < e) {
              d = (buf[p] as number) - 48;
              if (d >= 0 && d <= 9) {
                v = v * 10 + d;
                p++;
                // Rare: leading zeros or a value out of range; the clamp stops long runs from overflowing.
                while (p < e) {
                  d = (buf[p] as number) - 48;
                  if (d < 0 || d > 9) break;
                  v = Math.min(v * 10 + d, 256);
                  p++;
                }
              }
            }
          }
        }
        if (v > 255) {
          this.pxErr = t0;
          this.pxTok = t0;
          this.pxRange = true;
          break;
        }
        if (p < e) {
          b = buf[p] as number;
          if (b === SPACE) p++;
          else if (b !== TAB && !(commaEnds && b === COMMA)) {
            this.pxErr = p;
            this.pxTok = t0;
            this.pxRange = false;
            break;
          }
        }
        if (k < IMAGE_SIZE) images[base + k] = v;
        k++;
        continue;
      }
      if (b === SPACE || b === TAB) {
        p++;
        continue;
      }
      if (commaEnds && b === COMMA) break;
      this.pxErr = p;
      this.pxTok = p;
      this.pxRange = false;
      break;
    }
    this.pxCount = k;
    return p;
  }

  private row(buf: Uint8Array, s: number, e: number): void {
    const line = this.lineNo;
    if (buf[s] === SPACE || buf[s] === TAB) {
      let q = s;
      while (q < e && (buf[q] === SPACE || buf[q] === TAB)) q++;
      if (q === e) return;
    }
    const r = this.kept;
    this.ensureRow(r);
    const base = r * IMAGE_SIZE;
    const roles = this.roles;
    const nf = roles.length;
    let label = -1;
    let usage = this.hasUsage ? -1 : 0;
    // Value problems wait until the whole line is read, because a structural problem (quote, binary, field count) explains them better.
    let valueKind: BadRowKind | null = null;
    let valueReason = '';
    let p = s;
    let field = 0;
    for (;;) {
      const role = field < nf ? (roles[field] as number) : ROLE_EXTRA;
      let fs = p;
      let fe: number;
      let next: number;
      let quoted = false;
      if (p < e && buf[p] === QUOTE) {
        quoted = true;
        let q = p + 1;
        for (;;) {
          q = this.scan(buf, q, e, QUOTE);
          if (this.oddAt >= 0) return this.oddReason(buf, this.oddAt, line);
          if (q + 1 < e && buf[q + 1] === QUOTE) {
            q += 2;
            continue;
          }
          break;
        }
        if (q >= e) return this.bad(line, 'quote', `unterminated quote in field ${field + 1}`);
        fs = p + 1;
        fe = q;
        next = q + 1;
        if (next < e && buf[next] !== COMMA) return this.bad(line, 'quote', `text after the closing quote of field ${field + 1}`);
      } else if (role === ROLE_PIXELS) {
        next = this.pixels(buf, p, e, base, true);
        if (this.pxErr >= 0) {
          // Find the end of the field, still watching for binary bytes.
          next = this.scan(buf, this.pxErr, e, COMMA);
          if (this.oddAt >= 0) return this.oddReason(buf, this.oddAt, line);
        }
        fe = next;
      } else {
        next = this.scan(buf, p, e, COMMA);
        if (this.oddAt >= 0) return this.oddReason(buf, this.oddAt, line);
        fe = next;
      }

      if (valueKind === null) {
        if (role === ROLE_EMOTION) {
          label = parseLabel(buf, fs, fe);
          if (label < 0) {
            valueKind = 'label';
            valueReason = `emotion is ${quoteBytes(buf, fs, fe)}, not an integer 0..6`;
          }
        } else if (role === ROLE_PIXELS) {
          if (quoted) this.pixels(buf, fs, fe, base, false);
          if (this.pxErr >= 0) {
            let t = this.pxTok;
            while (t < fe && buf[t] !== SPACE && buf[t] !== TAB && buf[t] !== COMMA) t++;
            if (t === this.pxTok) t++;
            valueKind = 'pixel-value';
            valueReason = `pixel ${this.pxCount + 1} is ${quoteBytes(buf, this.pxTok, t)}, not an integer 0..255`;
          } else if (this.pxCount !== IMAGE_SIZE) {
            valueKind = 'pixel-count';
            valueReason = `${this.pxCount} pixels, expected ${IMAGE_SIZE}`;
          }
        } else if (role === ROLE_USAGE) {
          usage = parseUsage(buf, fs, fe);
          if (usage < 0) {
            valueKind = 'usage';
            valueReason = `Usage is ${quoteBytes(buf, fs, fe)}, not Training, PublicTest or PrivateTest`;
          }
        }
      }
      if (next >= e) break;
      p = next + 1;
      field++;
    }
    if (field + 1 !== nf) return this.bad(line, 'fields', `${field + 1} fields, but the header has ${nf}`);
    if (valueKind !== null) return this.bad(line, valueKind, valueReason);
    this.accept(r, label, usage);
  }

  private accept(r: number, label: number, usage: number): void {
    this.rows++;
    this.rowsPerClass[label] = (this.rowsPerClass[label] as number) + 1;
    const uc = usage * NUM_CLASSES + label;
    this.rowsPerUsageClass[uc] = (this.rowsPerUsageClass[uc] as number) + 1;
    const first = this.index.findOrAdd(r, hashImage(this.images, r * IMAGE_SIZE));
    if (first >= 0) {
      this.dupRows++;
      let f = (this.flags[first] as number) | FLAG_DUP | (1 << usage);
      if (this.labels[first] !== label) f |= FLAG_CONFLICT;
      this.flags[first] = f;
      // The row's slot is reused by the next row, which discards this copy.
      if (this.dedupe) return;
    }
    this.labels[r] = label;
    this.usage[r] = usage;
    this.flags[r] = 1 << usage;
    this.kept++;
  }

  /** The report so far (also used for rejected loads). */
  report(): LoadReport {
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
    return {
      gzip: this.gzip,
      bytesRead: this.bytesRead,
      csvBytes: this.csvBytes,
      lines: this.lineNo,
      columns: this.columns,
      extraColumns: this.extraColumns,
      usageSource: this.hasUsage || !this.headerDone ? 'file' : 'random',
      rows: this.rows,
      kept: n,
      deduplicated: this.dedupe,
      duplicates: { rows: this.dupRows, groups, labelConflicts, crossUsage },
      badCount: this.badCount,
      badLines: this.badLines.slice(),
      rowsPerClass: this.rowsPerClass.slice(),
      rowsPerUsageClass: this.hasUsage ? [0, 1, 2].map((u) => this.rowsPerUsageClass.slice(u * NUM_CLASSES, (u + 1) * NUM_CLASSES)) : null,
      keptPerUsageClass,
    };
  }

  /** Finalises usage codes and trims the buffers to the kept rows. */
  result(): ParseResult {
    const n = this.kept;
    if (n === 0) {
      const first = this.badLines[0];
      const error =
        this.badCount === 0
          ? 'no data rows: the file has a header but no rows'
          : `no valid rows: all ${this.badCount} data rows were rejected (first: line ${first?.line}: ${first?.reason})`;
      return { ok: false, error, report: this.report() };
    }
    if (!this.hasUsage) {
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
    const report = this.report();
    // Free the working buffers early: the full file's are ~90 MB.
    this.images = new Uint8Array(0);
    this.index = new ImageIndex(this.images, 0);
    return { ok: true, dataset, report };
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

function trim(buf: Uint8Array, a: number, b: number): [number, number] {
  while (a < b && (buf[a] === SPACE || buf[a] === TAB)) a++;
  while (b > a && (buf[b - 1] === SPACE || buf[b - 1] === TAB)) b--;
  return [a, b];
}

/** The label 0..6 in bytes [a, b) (surrounding blanks allowed), or -1. */
function parseLabel(buf: Uint8Array, a: number, b: number): number {
  [a, b] = trim(buf, a, b);
  if (a === b) return -1;
  let v = 0;
  for (let p = a; p < b; p++) {
    const d = (buf[p] as number) - 48;
    if (d < 0 || d > 9) return -1;
    v = Math.min(v * 10 + d, 100);
  }
  return v < NUM_CLASSES ? v : -1;
}

/** The usage code of bytes [a, b) (surrounding blanks allowed), or -1. */
function parseUsage(buf: Uint8Array, a: number, b: number): number {
  [a, b] = trim(buf, a, b);
  for (let u = 0; u < USAGE_BYTES.length; u++) {
    const name = USAGE_BYTES[u] as Uint8Array;
    if (name.length !== b - a) continue;
    let same = true;
    for (let i = 0; i < name.length; i++) {
      if (buf[a + i] !== name[i]) {
        same = false;
        break;
      }
    }
    if (same) return u;
  }
  return -1;
}
