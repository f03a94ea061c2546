/**
 * Archives built in the tests, as people's downloads hold FER2013: a tar (ustar, GNU long names, pax attributes), the
 * same gzipped (Kaggle's fer2013.tar.gz), and ZIP files with sizes up front or in data descriptors after the data (as
 * streaming zippers write them). Small and made on the spot, so a lone clone has them.
 */
import { gzipSync } from 'node:zlib';
import { Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';

/** One tar member: a file (type '0'), a directory ('5'), or a raw metadata record ('L' GNU long name, 'x' pax). */
export interface TarEntry {
  readonly name: string;
  readonly data?: Uint8Array | string;
  readonly type?: '0' | '5' | 'L' | 'x';
}

const bytes = (d: Uint8Array | string | undefined): Uint8Array =>
  typeof d === 'string' ? new TextEncoder().encode(d) : (d ?? new Uint8Array(0));

/** A 512-byte ustar header with a correct checksum. */
export function tarHeader(name: string, size: number, type: string): Uint8Array {
  const h = new Uint8Array(512);
  const put = (text: string, at: number, len: number): void => {
    const b = new TextEncoder().encode(text);
    h.set(b.subarray(0, len), at);
  };
  put(name, 0, 100);
  put('0000644\0', 100, 8);
  put('0000000\0', 108, 8);
  put('0000000\0', 116, 8);
  put(`${size.toString(8).padStart(11, '0')}\0`, 124, 12);
  put('00000000000\0', 136, 12);
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  h.fill(32, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

/** A tar archive of the entries, ended by two zero blocks. */
export function tarFile(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const data = bytes(e.data);
    parts.push(
      tarHeader(e.type === 'L' ? '././@LongLink' : e.name, data.length, e.type ?? '0'),
      data,
      new Uint8Array((512 - (data.length % 512)) % 512),
    );
  }
  parts.push(new Uint8Array(1024));
  return concat(parts);
}

/** gzip of the bytes. */
export const gzip = (data: Uint8Array): Uint8Array => new Uint8Array(gzipSync(data));

/** A ZIP with sizes in the member headers (as zip tools write a file on disk); level 0 stores. */
export function zipFile(entries: Record<string, Uint8Array | string>, level: 0 | 6 = 6): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, bytes(v)])), { level });
}

/** A ZIP written as a stream: every member's sizes come after its data, in a data descriptor. */
export function streamedZipFile(entries: Record<string, Uint8Array | string>, store = false): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  for (const [name, data] of Object.entries(entries)) {
    const file = store ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 6 });
    zip.add(file);
    file.push(bytes(data), true);
  }
  zip.end();
  return concat(parts);
}

/** The arrays one after another. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
