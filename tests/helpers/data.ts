import { Rng } from '../../src/ga/rng';

/** 2304 pixel values as FER2013 text; `seed` makes each image distinct. */
export function pixelText(seed: number): string {
  const out: number[] = [];
  for (let i = 0; i < 2304; i++) out.push((seed * 31 + i * 7) % 256);
  return out.join(' ');
}

export function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The same bytes cut into random-size chunks (1..maxSize), seeded. */
export function randomChunks(bytes: Uint8Array, seed: number, maxSize: number): Uint8Array[] {
  const rng = Rng.fromSeed(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = rng.int(1, maxSize);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}
