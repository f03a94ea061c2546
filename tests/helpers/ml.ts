/** Small networks and datasets for the training tests: generated here, so they pass on a lone clone. */
import type { Chromosome } from '../../src/ga/chromosome';
import { Rng } from '../../src/ga/rng';
import { IMAGE_SIDE, IMAGE_SIZE, USAGE_PUBLIC, USAGE_TRAINING, type Dataset } from '../../src/data/dataset';

/** Six 4-filter 3x3 relu convolutions: trains in milliseconds per batch on wasm. */
export const micro = (optimizer: Chromosome['optimizer'], learningRate: number): Chromosome => ({
  conv: Array.from({ length: 6 }, () => ({ filters: 4, kernel: 3, activation: 'relu' as const })),
  optimizer,
  learningRate,
});

/** Two classes that differ clearly: a bright left half (label 0) or a bright right half (label 3), plus noise. */
export function halvesDataset(perClass: number, seed: number): Dataset {
  const rng = Rng.fromSeed(seed);
  const count = perClass * 2 * 2;
  const images = new Uint8Array(count * IMAGE_SIZE);
  const labels = new Uint8Array(count);
  const usage = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const right = i % 2 === 1;
    labels[i] = right ? 3 : 0;
    usage[i] = i < count / 2 ? USAGE_TRAINING : USAGE_PUBLIC;
    for (let y = 0; y < IMAGE_SIDE; y++) {
      for (let x = 0; x < IMAGE_SIDE; x++) {
        const bright = x < IMAGE_SIDE / 2 !== right;
        images[i * IMAGE_SIZE + y * IMAGE_SIDE + x] = Math.round((bright ? 150 : 40) + rng.next() * 60);
      }
    }
  }
  return { name: 'halves', synthetic: true, count, images, labels, usage };
}

/** The rows whose usage code is `code`. */
export const rowsOf = (usage: Uint8Array, code: number): Int32Array =>
  Int32Array.from(Array.from(usage.keys()).filter((i) => usage[i] === code));
