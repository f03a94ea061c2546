/** Byte-level text helpers for the CSV parser: UTF-8 validation and decoding without TextDecoder (src/data has no host APIs). */

/** Length of the valid UTF-8 sequence starting at `p` (1..4), or 0 when the bytes there are not valid UTF-8. */
export function utf8SequenceLength(buf: Uint8Array, p: number, end: number): number {
  const b0 = buf[p] as number;
  if (b0 < 0x80) return 1;
  let need: number;
  let min: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 1;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    min = 0x10000;
  } else {
    return 0;
  }
  if (p + need >= end) return 0;
  let cp = b0 & (0x3f >> need);
  for (let k = 1; k <= need; k++) {
    const b = buf[p + k] as number;
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not valid UTF-8.
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return need + 1;
}

/** Decodes bytes [start, end) as UTF-8, replacing invalid bytes with U+FFFD; for short texts such as header names. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  let p = start;
  while (p < end) {
    const n = utf8SequenceLength(buf, p, end);
    if (n === 0) {
      out += '\ufffd';
      p++;
      continue;
    }
    const b0 = buf[p] as number;
    let cp = n === 1 ? b0 : b0 & (0x7f >> n);
    for (let k = 1; k < n; k++) cp = (cp << 6) | ((buf[p + k] as number) & 0x3f);
    out += String.fromCodePoint(cp);
    p += n;
  }
  return out;
}

/** A short, printable quotation of bytes [start, end) for an error message. */
export function quoteBytes(buf: Uint8Array, start: number, end: number, max = 24): string {
  const cut = Math.min(end, start + max);
  let text = '';
  for (const ch of decodeUtf8(buf, start, cut)) {
    const c = ch.codePointAt(0) as number;
    // Control characters would garble a one-line message.
    text += c < 0x20 || c === 0x7f ? '?' : ch;
  }
  return `"${text}${cut < end ? '…' : ''}"`;
}

/** ASCII bytes of a string (for comparing fields to fixed names). */
export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}
