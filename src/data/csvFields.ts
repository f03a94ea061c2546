/**
 * The third stage of a load: one line's fields. The header maps columns by name, case-insensitively (`emotion` and
 * `pixels` required, `Usage` optional, others ignored); a data row is checked field by field with its pixels written
 * straight into the caller's image buffer. Quoted fields ("" escapes a quote) are accepted; a quote still open at the
 * end of the line is an "unterminated quote" on that line.
 */
import { IMAGE_SIZE, NUM_CLASSES, USAGE_NAMES } from './dataset';
import { asciiBytes, decodeUtf8, quoteBytes, utf8SequenceLength } from './bytes';
import type { BadRowKind } from './loadReport';

const ROLE_EXTRA = 0;
const ROLE_EMOTION = 1;
const ROLE_PIXELS = 2;
const ROLE_USAGE = 3;

const COMMA = 44;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
const CR = 13;

const USAGE_BYTES = USAGE_NAMES.map(asciiBytes);

/** A parsed header: the columns in file order and the role of each. */
export interface Header {
  readonly columns: string[];
  readonly extraColumns: string[];
  /** Per column: which FER2013 field it holds (private codes, read by RowParser). */
  readonly roles: Uint8Array;
  readonly hasUsage: boolean;
}

/** Finds field ends while watching for bytes that are not text. */
class TextScanner {
  /** Output of scan(): position of the first byte that is not text, or -1. */
  oddAt = -1;

  /** Scans to the next `stop` byte (or e) and records in oddAt the first byte that is neither text nor a tab. */
  scan(buf: Uint8Array, p: number, e: number, stop: number): number {
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
}

/** A header that rejects the file: the message, and the columns it would have ignored. */
export interface HeaderError {
  readonly error: string;
  readonly extraColumns: string[];
}

/** Parses the header line [s, e) of `buf`. */
export function parseHeader(buf: Uint8Array, s: number, e: number): Header | HeaderError {
  const fail = (error: string, extraColumns: string[] = []): HeaderError => ({ error, extraColumns });
  const scanner = new TextScanner();
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
        q = scanner.scan(buf, q, e, QUOTE);
        if (scanner.oddAt >= 0) break;
        if (q + 1 < e && buf[q + 1] === QUOTE) {
          q += 2;
          continue;
        }
        break;
      }
      if (scanner.oddAt < 0 && q >= e) return fail('not a CSV file: unterminated quote in the header (line 1)');
      fs = p + 1;
      fe = q;
      next = q + 1;
    } else {
      next = scanner.scan(buf, p, e, COMMA);
      fe = next;
    }
    if (scanner.oddAt >= 0) {
      if (buf[scanner.oddAt] === CR) return fail('not a CSV file: lines end in CR only; expected LF or CRLF line ends');
      // Binary formats (PNG, JPEG, ...) often start with a byte >= 0x80, so both cases get one message.
      return fail('not a CSV file: the first line is binary data or not UTF-8 text');
    }
    names.push(decodeUtf8(buf, fs, fe).replaceAll('""', '"').trim());
    if (next < e && buf[next] !== COMMA)
      return fail('not a CSV file: text after a closing quote in the header (line 1)');
    if (next >= e) break;
    p = next + 1;
  }
  const roles = new Uint8Array(names.length);
  const extraColumns: string[] = [];
  const seen = new Map<number, string>();
  let twice: string | null = null;
  names.forEach((name, i) => {
    const key = name.toLowerCase();
    const role =
      key === 'emotion' ? ROLE_EMOTION : key === 'pixels' ? ROLE_PIXELS : key === 'usage' ? ROLE_USAGE : ROLE_EXTRA;
    if (role !== ROLE_EXTRA && seen.has(role) && twice === null) twice = name;
    seen.set(role, name);
    roles[i] = role;
    if (role === ROLE_EXTRA) extraColumns.push(name);
  });
  if (twice !== null)
    return fail(`not a FER2013 CSV: the header (line 1) names the column "${twice}" twice`, extraColumns);
  if (!seen.has(ROLE_EMOTION) || !seen.has(ROLE_PIXELS)) {
    let found = names.map((n) => JSON.stringify(n)).join(', ');
    if (found.length > 120) found = `${found.slice(0, 120)}…`;
    return fail(
      `not a FER2013 CSV: the header (line 1) must name the columns emotion and pixels (Usage is optional); found ${found}`,
      extraColumns,
    );
  }
  return { columns: names, extraColumns, roles, hasUsage: seen.has(ROLE_USAGE) };
}

/** parse() found a valid row: `label` and `usage` hold its values and its pixels are in `images`. */
export const ROW_OK = 0;
/** parse() rejected the row: `badKind` and `badReason` say why. */
export const ROW_BAD = 1;
/** The line holds only blanks: not a row at all. */
export const ROW_BLANK = 2;

/** Parses data rows of one header's layout; keeps its outputs in fields so the hot loop returns plain numbers. */
export class RowParser extends TextScanner {
  /** Where pixels are written (at the `base` given to parse); the owner swaps in a larger buffer as it grows. */
  images: Uint8Array = new Uint8Array(0);
  label = -1;
  usage = -1;
  badKind: BadRowKind = 'fields';
  badReason = '';

  // Outputs of pixels().
  private pxCount = 0;
  private pxErr = -1;
  private pxTok = 0;
  private pxRange = false;

  constructor(private readonly header: Header) {
    super();
  }

  /** Parses the line [s, e) (not empty) into images[base..]: ROW_OK, ROW_BAD or ROW_BLANK. */
  parse(buf: Uint8Array, s: number, e: number, base: number): number {
    if (buf[s] === SPACE || buf[s] === TAB) {
      let q = s;
      while (q < e && (buf[q] === SPACE || buf[q] === TAB)) q++;
      if (q === e) return ROW_BLANK;
    }
    const roles = this.header.roles;
    const nf = roles.length;
    let label = -1;
    let usage = this.header.hasUsage ? -1 : 0;
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
          if (this.oddAt >= 0) return this.odd(buf, this.oddAt);
          if (q + 1 < e && buf[q + 1] === QUOTE) {
            q += 2;
            continue;
          }
          break;
        }
        if (q >= e) return this.bad('quote', `unterminated quote in field ${field + 1}`);
        fs = p + 1;
        fe = q;
        next = q + 1;
        if (next < e && buf[next] !== COMMA)
          return this.bad('quote', `text after the closing quote of field ${field + 1}`);
      } else if (role === ROLE_PIXELS) {
        next = this.pixels(buf, p, e, base, true);
        if (this.pxErr >= 0) {
          // Find the end of the field, still watching for binary bytes.
          next = this.scan(buf, this.pxErr, e, COMMA);
          if (this.oddAt >= 0) return this.odd(buf, this.oddAt);
        }
        fe = next;
      } else {
        next = this.scan(buf, p, e, COMMA);
        if (this.oddAt >= 0) return this.odd(buf, this.oddAt);
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
    if (field + 1 !== nf) return this.bad('fields', `${field + 1} fields, but the header has ${nf}`);
    if (valueKind !== null) return this.bad(valueKind, valueReason);
    this.label = label;
    this.usage = usage;
    return ROW_OK;
  }

  private bad(kind: BadRowKind, reason: string): number {
    this.badKind = kind;
    this.badReason = reason;
    return ROW_BAD;
  }

  /** The reason for a non-text byte at p: binary data (control bytes) or invalid UTF-8. */
  private odd(buf: Uint8Array, p: number): number {
    const b = buf[p] as number;
    const hex = b.toString(16).padStart(2, '0');
    return b >= 128
      ? this.bad('utf8', `not valid UTF-8 text (byte 0x${hex})`)
      : this.bad('binary', `binary content (byte 0x${hex})`);
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
