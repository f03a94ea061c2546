/**
 * FER2013 inside the archives people download: Kaggle's `fer2013.tar.gz` (a tar inside gzip) or a `.zip` holding
 * `fer2013.csv`. Both are read as streams, member by member, and nothing is extracted anywhere: the CSV member (named
 * `fer2013.csv`, or any member whose first line is a FER2013 header) is handed on as it is read, and the archive is
 * not read past it. Every way an archive can be broken or hostile (truncated, corrupt headers, a metadata record or
 * member name meant to exhaust memory, an archive inside the archive) ends in one SourceFault with a readable message.
 */
import { decodeUtf8 } from './bytes';
import { ByteReader, SourceFault } from './byteReader';
import { parseHeader } from './csvFields';
import { inflated, type Inflater } from './inflate';

/** Which archive the CSV came from, and its member's name. */
export interface ArchiveSource {
  readonly format: 'tar' | 'zip';
  readonly member: string;
}

/** A tar metadata record (a long name, pax attributes) larger than this is refused: real ones are a few hundred bytes. */
const MAX_TAR_META = 1 << 16;
/** The first line of a member is looked at up to this length to recognise a FER2013 header (the loader's own header limit). */
const MAX_HEADER_LINE = 1 << 16;
const BLOCK = 512;

const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP_DESCRIPTOR = 0x08074b50;

const u16 = (b: Uint8Array, p: number): number => (b[p] as number) | ((b[p + 1] as number) << 8);
const u32 = (b: Uint8Array, p: number): number => (u16(b, p) | (u16(b, p + 2) << 16)) >>> 0;
/** A little-endian 64-bit size as a number (exact below 2^53, far past any real file). */
const u64 = (b: Uint8Array, p: number): number => u32(b, p) + u32(b, p + 4) * 2 ** 32;

/** True when the bytes start like a gzip or ZIP file. */
export const isGzip = (h: Uint8Array): boolean => h.length >= 2 && h[0] === 0x1f && h[1] === 0x8b;
export const isZip = (h: Uint8Array): boolean => h.length >= 4 && u32(h, 0) === ZIP_LOCAL;

/** A member name fit for a one-line message: control characters replaced, long names shortened. */
function shown(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 28)}…${clean.slice(-28)}` : clean;
}

/** What the loader found in an archive's members on its way to the CSV, for the message when there is none. */
class Inventory {
  private readonly names: string[] = [];
  private readonly nested: string[] = [];
  count = 0;

  constructor(private readonly format: 'tar' | 'zip') {}

  other(name: string): void {
    this.count++;
    if (this.names.length < 6) this.names.push(shown(name));
  }

  nestedArchive(name: string): void {
    this.count++;
    if (this.nested.length < 3) this.nested.push(shown(name));
  }

  /** The fault when the archive held no FER2013 CSV. */
  none(): SourceFault {
    const kind = this.format === 'tar' ? 'tar' : 'ZIP';
    if (this.count === 0)
      return new SourceFault('archive', `no FER2013 CSV in this ${kind} archive: it holds no files`);
    const listed = [...this.nested, ...this.names];
    const more = this.count > listed.length ? `, and ${this.count - listed.length} more` : '';
    const nested = this.nested.length
      ? `; ${this.nested.join(', ')} ${this.nested.length > 1 ? 'are archives' : 'is an archive'} inside the archive, which is not opened: extract it and load the file inside`
      : '';
    return new SourceFault(
      'archive',
      `no FER2013 CSV in this ${kind} archive (it holds ${listed.join(', ')}${more}): a member named fer2013.csv or starting with the header emotion,pixels,Usage is needed${nested}`,
    );
  }
}

type Verdict = 'csv' | 'nested' | 'other';

/**
 * Looks at the start of a member's bytes: an archive or compressed file (not opened), a FER2013 CSV (by name or by its
 * first line), or something else. The bytes looked at stay in `member` for whoever reads it next.
 */
async function judge(name: string, member: ByteReader): Promise<Verdict> {
  await member.fill(4);
  const head = member.peek(4);
  if (isGzip(head) || isZip(head)) return 'nested';
  if (/(^|\/)fer2013\.csv$/i.test(name)) return 'csv';
  for (let n = 256; ; n = Math.min(n * 4, MAX_HEADER_LINE)) {
    const more = await member.fill(n);
    const bytes = member.peek(n);
    const lf = bytes.indexOf(10);
    if (lf >= 0 || !more || n >= MAX_HEADER_LINE) {
      let end = lf >= 0 ? lf : bytes.length;
      if (end > 0 && bytes[end - 1] === 13) end--;
      if (lf < 0 && more) return 'other';
      return 'error' in parseHeader(bytes, 0, end) ? 'other' : 'csv';
    }
  }
}

/** Skips macOS's resource-fork copies (`__MACOSX/`, `._name`), which repeat every file's name with other bytes. */
const isAppleDouble = (name: string): boolean => /(^|\/)__MACOSX\//.test(name) || /(^|\/)\._[^/]*$/.test(name);

/** The CSV member of a tar archive (already decompressed when it was a .tar.gz), chunk by chunk; `found` is told its name. */
export async function* tarCsv(reader: ByteReader, found: (source: ArchiveSource) => void): AsyncGenerator<Uint8Array> {
  const inventory = new Inventory('tar');
  let longName: string | null = null;
  let paxPath: string | null = null;
  for (;;) {
    const at = reader.offset;
    if (!(await reader.fill(BLOCK))) {
      // A tar ends with two zero blocks, but many writers stop after the last member: the end of the bytes will do.
      if (reader.available === 0) break;
      throw new SourceFault(
        'archive',
        `not a valid tar archive: it is truncated (a member header at byte ${at} is cut off)`,
      );
    }
    const h = (
      await reader.read(BLOCK, () => new SourceFault('archive', 'not a valid tar archive: it is truncated'))
    ).slice();
    if (h.every((b) => b === 0)) break;
    if (!tarChecksumOk(h))
      throw new SourceFault(
        'archive',
        `not a valid tar archive: the member header at byte ${at} is corrupt (its checksum does not match)`,
      );
    const size = tarNumber(h, 124, 12);
    if (size === null)
      throw new SourceFault('archive', `not a valid tar archive: the member header at byte ${at} has no readable size`);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    const type = String.fromCharCode(h[156] as number);
    const truncated = (what: string) => () =>
      new SourceFault('archive', `not a valid tar archive: it is truncated (${what} stops before its ${size} bytes)`);
    if (type === 'L' || type === 'x' || type === 'K' || type === 'g') {
      if (size > MAX_TAR_META) {
        throw new SourceFault(
          'archive',
          `not a usable tar archive: a member's name or attributes take ${size.toLocaleString('en-US')} bytes (at most ${MAX_TAR_META.toLocaleString('en-US')} are read)`,
        );
      }
      const meta = (await reader.read(size, truncated('a member header'))).slice();
      await reader.skip(padding, truncated('a member header'));
      if (type === 'L') longName = decodeUtf8(meta, 0, meta.indexOf(0) >= 0 ? meta.indexOf(0) : meta.length);
      else if (type === 'x') paxPath = paxAttribute(meta, 'path') ?? paxPath;
      continue;
    }
    const name = longName ?? paxPath ?? tarName(h);
    longName = null;
    paxPath = null;
    // Regular files only ('0', or NUL in old tars; '7' is a contiguous file): links, directories and devices hold no data to read.
    if (type !== '0' && type !== '\0' && type !== '7') {
      await reader.skip(size + padding, truncated(`the member ${shown(name)}`));
      continue;
    }
    const member = new ByteReader(reader.take(size, truncated(`the member ${shown(name)}`)));
    const verdict = isAppleDouble(name) || size === 0 ? 'other' : await judge(name, member);
    if (verdict === 'csv') {
      found({ format: 'tar', member: name });
      yield* member.rest();
      // The CSV is all the loader wants: the rest of the archive is not read.
      return;
    }
    if (verdict === 'nested') inventory.nestedArchive(name);
    else if (!isAppleDouble(name) && !name.endsWith('/')) inventory.other(name);
    for await (const chunk of member.rest()) void chunk;
    await reader.skip(padding, truncated(`the member ${shown(name)}`));
  }
  throw inventory.none();
}

/** True when the 512 bytes are a tar header: its checksum (the byte sum with the checksum field read as spaces) matches. */
export function tarChecksumOk(h: Uint8Array): boolean {
  if (h.length < BLOCK) return false;
  const stored = tarNumber(h, 148, 8);
  if (stored === null) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  return sum === stored;
}

/** A tar number field: octal text (NUL or space ended), or base-256 when its first byte has the high bit set. */
function tarNumber(h: Uint8Array, at: number, len: number): number | null {
  if ((h[at] as number) & 0x80) {
    let n = (h[at] as number) & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + (h[at + i] as number);
    return Number.isSafeInteger(n) ? n : null;
  }
  let n = 0;
  let digits = 0;
  for (let i = at; i < at + len; i++) {
    const c = h[i] as number;
    if (c === 0 || (c === 32 && digits > 0)) break;
    if (c === 32) continue;
    if (c < 48 || c > 55) return null;
    n = n * 8 + (c - 48);
    digits++;
  }
  return digits > 0 ? n : null;
}

/** A header's member name: ustar's prefix and name joined. */
function tarName(h: Uint8Array): string {
  const field = (at: number, len: number): string => {
    const end = h.subarray(at, at + len).indexOf(0);
    return decodeUtf8(h, at, end >= 0 ? at + end : at + len);
  };
  const name = field(0, 100);
  const ustar = decodeUtf8(h, 257, 262) === 'ustar';
  const prefix = ustar ? field(345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** One attribute of a pax extended header ("<length> key=value\n" records), or null. */
function paxAttribute(meta: Uint8Array, key: string): string | null {
  let p = 0;
  while (p < meta.length) {
    const space = meta.indexOf(32, p);
    if (space < 0) return null;
    const len = Number(decodeUtf8(meta, p, space));
    if (!Number.isInteger(len) || len <= 0 || p + len > meta.length) return null;
    const record = decodeUtf8(meta, space + 1, p + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === key) return record.slice(eq + 1);
    p += len;
  }
  return null;
}

/** The CSV member of a ZIP archive, inflated as it is read; `found` is told its name. */
export async function* zipCsv(
  reader: ByteReader,
  inflate: Inflater,
  found: (source: ArchiveSource) => void,
): AsyncGenerator<Uint8Array> {
  const inventory = new Inventory('zip');
  const truncated = (what: string) => () =>
    new SourceFault('archive', `not a valid ZIP archive: it is truncated (${what} is cut off)`);
  for (;;) {
    const at = reader.offset;
    if (!(await reader.fill(4))) throw truncated('the list of its members')();
    const sig = u32(reader.peek(4), 0);
    // The central directory follows the last member: everything there is to read has been seen.
    if (sig === ZIP_CENTRAL || sig === ZIP_END || sig === ZIP64_END) break;
    if (sig !== ZIP_LOCAL)
      throw new SourceFault('archive', `not a valid ZIP archive: no member header where one should be (byte ${at})`);
    const h = (await reader.read(30, truncated('a member header'))).slice();
    const flags = u16(h, 6);
    const method = u16(h, 8);
    let csize = u32(h, 18);
    let usize = u32(h, 22);
    const nameBytes = (await reader.read(u16(h, 26), truncated('a member name'))).slice();
    const extra = (await reader.read(u16(h, 28), truncated('a member header'))).slice();
    const name = decodeUtf8(nameBytes, 0, nameBytes.length);
    const z64 = zip64Sizes(extra, usize, csize);
    csize = z64.csize;
    usize = z64.usize;
    const sized = (flags & 8) === 0;
    const dataStart = reader.offset;
    let dataDone = false;
    // The member's compressed bytes from where reading stopped: it may stop early (a member not wanted) and go on later.
    const data = async function* (): AsyncGenerator<Uint8Array> {
      if (dataDone) return;
      yield* sized
        ? reader.take(csize - (reader.offset - dataStart), truncated(`the member ${shown(name)}`))
        : descriptorBounded(reader, dataStart, z64.zip64, truncated(`the member ${shown(name)}`));
      dataDone = true;
    };
    const skipRest = async (): Promise<void> => {
      for await (const chunk of data()) void chunk;
    };
    if (flags & 1) {
      if (!sized) throw new SourceFault('archive', `not a usable ZIP archive: ${shown(name)} is encrypted`);
      inventory.other(`${name} (encrypted)`);
      await skipRest();
      continue;
    }
    if (method !== 0 && method !== 8) {
      if (!sized)
        throw new SourceFault(
          'archive',
          `not a usable ZIP archive: ${shown(name)} is compressed with method ${method}, which the lab cannot read (only stored and deflate)`,
        );
      inventory.other(`${name} (compressed with method ${method})`);
      await skipRest();
      continue;
    }
    if (isAppleDouble(name) || name.endsWith('/') || (sized && usize === 0)) {
      if (!isAppleDouble(name) && !name.endsWith('/')) inventory.other(name);
      await skipRest();
      continue;
    }
    const member = new ByteReader(
      method === 8 ? inflated(inflate, 'deflate-raw', data(), `ZIP archive (member ${shown(name)})`) : data(),
    );
    const verdict = await judge(name, member);
    if (verdict === 'csv') {
      found({ format: 'zip', member: name });
      yield* member.rest();
      return;
    }
    if (verdict === 'nested') inventory.nestedArchive(name);
    else inventory.other(name);
    // Stop inflating a member that is not wanted; its remaining compressed bytes are skipped as they are.
    await member.close();
    await skipRest();
  }
  throw inventory.none();
}

/** The sizes of a member, from its ZIP64 extra field when the 32-bit fields say so. */
function zip64Sizes(extra: Uint8Array, usize: number, csize: number): { usize: number; csize: number; zip64: boolean } {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = u16(extra, p);
    const len = u16(extra, p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      let u = usize;
      let c = csize;
      if (usize === 0xffffffff && q + 8 <= p + 4 + len) {
        u = u64(extra, q);
        q += 8;
      }
      if (csize === 0xffffffff && q + 8 <= p + 4 + len) c = u64(extra, q);
      return { usize: u, csize: c, zip64: true };
    }
    p += 4 + len;
  }
  return { usize, csize, zip64: false };
}

/**
 * The data of a member whose sizes come after it (a data descriptor, written by streaming zippers): bytes up to the
 * descriptor whose compressed size equals the bytes so far, which a stray match inside compressed data will not.
 * Only confirmed data is consumed, so reading can stop and resume anywhere.
 */
async function* descriptorBounded(
  reader: ByteReader,
  dataStart: number,
  zip64: boolean,
  truncated: () => SourceFault,
): AsyncGenerator<Uint8Array> {
  const sizeLen = zip64 ? 8 : 4;
  // signature, crc, compressed and uncompressed size; and the next header's signature for the unsigned form.
  const signedLen = 8 + 2 * sizeLen;
  const lookahead = signedLen + 4;
  const size = (b: Uint8Array, p: number): number => (zip64 ? u64(b, p) : u32(b, p));
  for (;;) {
    const more = await reader.fill(reader.available + lookahead);
    const buf = reader.peek(reader.available);
    const base = reader.offset - dataStart;
    const limit = more ? buf.length - lookahead + 1 : buf.length;
    for (let i = buf.indexOf(0x50); i >= 0 && i < limit; i = buf.indexOf(0x50, i + 1)) {
      if (i + 4 > buf.length) break;
      const sig = u32(buf, i);
      // Signed: PK 07 08, crc, sizes.
      if (sig === ZIP_DESCRIPTOR && i + signedLen <= buf.length && size(buf, i + 8) === base + i) {
        if (i > 0) yield (await reader.read(i, truncated)).slice();
        await reader.skip(signedLen, truncated);
        return;
      }
      // Unsigned: crc, sizes, then the next member's or the directory's signature.
      const d = i - (signedLen - 4);
      if ((sig === ZIP_LOCAL || sig === ZIP_CENTRAL) && d >= 0 && size(buf, d + 4) === base + d) {
        if (d > 0) yield (await reader.read(d, truncated)).slice();
        await reader.skip(signedLen - 4, truncated);
        return;
      }
    }
    if (!more) throw truncated();
    // Hand on all but the last bytes, which may start the descriptor.
    const safe = buf.length - lookahead;
    if (safe > 0) yield (await reader.read(safe, truncated)).slice();
  }
}
