/** The identity of a loaded file's data: SHA-256 over its parsed images, labels and usage (Web Crypto, page or worker). */
import type { Dataset } from '../data/dataset';

const hex = (buf: ArrayBuffer): string =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * SHA-256 of the dataset's content: each of images, labels and usage is hashed, then the three digests. Hashing the
 * parsed arrays (not the file) means the .csv and the .csv.gz of the same data match; the arrays are not copied.
 */
export async function datasetSha256(data: Dataset): Promise<string> {
  const parts = await Promise.all(
    [data.images, data.labels, data.usage].map((a) => crypto.subtle.digest('SHA-256', a as Uint8Array<ArrayBuffer>)),
  );
  const joined = new Uint8Array(parts.length * 32);
  parts.forEach((p, i) => joined.set(new Uint8Array(p), i * 32));
  return hex(await crypto.subtle.digest('SHA-256', joined));
}
