/** Exact-duplicate detection for 48x48 images: a 32-bit hash per image, an open-addressing table, and a byte compare on every hash match. */
import { IMAGE_SIZE } from './dataset';

/** A 32-bit hash (murmur3 mixing over 4-byte words) of one image's 2304 pixels starting at `offset`; does not change its input. */
export function hashImage(images: Uint8Array, offset: number): number {
  let h = 0x9747b28c;
  const end = offset + IMAGE_SIZE;
  // Four bytes per step: a quarter of the multiplies of a byte-wise hash, and this runs once per row of the file.
  for (let i = offset; i < end; i += 4) {
    let k =
      (images[i] as number) |
      ((images[i + 1] as number) << 8) |
      ((images[i + 2] as number) << 16) |
      ((images[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= IMAGE_SIZE;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when images `a` and `b` (row indices) hold identical pixels. */
function sameImage(images: Uint8Array, a: number, b: number): boolean {
  const pa = a * IMAGE_SIZE;
  const pb = b * IMAGE_SIZE;
  for (let i = 0; i < IMAGE_SIZE; i++) if (images[pa + i] !== images[pb + i]) return false;
  return true;
}

/**
 * A set of image rows keyed by pixel content. Rows are added by index into an `images` buffer that the caller may
 * replace with a larger copy (`setImages`) as it grows; hashes are kept per row so the table can grow without rehashing pixels.
 */
export class ImageIndex {
  private images: Uint8Array;
  private slots: Int32Array;
  private mask: number;
  private size = 0;
  private hashes: Uint32Array;

  constructor(images: Uint8Array, expectedRows = 1024) {
    this.images = images;
    let cap = 1024;
    while (cap < expectedRows * 2) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.hashes = new Uint32Array(Math.max(16, expectedRows));
  }

  /** Points the index at a new buffer holding the same rows (after the caller grew it). */
  setImages(images: Uint8Array): void {
    this.images = images;
  }

  /** The earlier row with the same pixels as `row`, or -1 after adding `row` to the set. `hash` must be hashImage of the row. */
  findOrAdd(row: number, hash: number): number {
    const images = this.images;
    const slots = this.slots;
    const mask = this.mask;
    let i = hash & mask;
    for (;;) {
      const s = slots[i] as number;
      if (s === 0) break;
      const other = s - 1;
      if (this.hashes[other] === hash && sameImage(images, other, row)) return other;
      i = (i + 1) & mask;
    }
    if (row >= this.hashes.length) {
      const grown = new Uint32Array(Math.max(row + 1, this.hashes.length * 2));
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[row] = hash;
    slots[i] = row + 1;
    this.size++;
    // Keep the load factor under one half so probe chains stay short.
    if (this.size * 2 > slots.length) this.rehash();
    return -1;
  }

  private rehash(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2);
    const mask = slots.length - 1;
    for (let k = 0; k < old.length; k++) {
      const s = old[k] as number;
      if (s === 0) continue;
      let i = (this.hashes[s - 1] as number) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = s;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
