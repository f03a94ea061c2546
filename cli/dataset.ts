/** The run's split as `evolve` makes it, shared by `evolve` and the queue's workers so that both see the same rows. */
import { createHash } from 'node:crypto';
import type { Dataset, Splits } from '../src/data/dataset';
import { makeSplits, type SplitMode, type SplitResult } from '../src/data/splits';

/** The run's splits of a loaded file: the split mode, the seed and the per-class cap (0 = none) decide them. */
export function runSplits(dataset: Dataset, split: SplitMode, seed: number, perClass: number): SplitResult {
  return makeSplits(dataset, { mode: split, seed, ...(perClass > 0 ? { perClassCap: perClass } : {}) });
}

/** SHA-256 of the training and validation rows, in order: two machines that agree on it train on the same images. */
export function splitSha256(splits: Splits): string {
  const h = createHash('sha256');
  for (const rows of [splits.train, splits.val]) {
    h.update(String(rows.length));
    h.update(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  }
  return h.digest('hex');
}
