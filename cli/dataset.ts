/** A FER2013 file loaded and split as `evolve` does it, shared by `evolve` and the queue's workers so both see the same rows. */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Dataset, Splits } from '../src/data/dataset';
import { parseFer2013 } from '../src/data/fer2013';
import { makeSplits, type SplitMode, type SplitResult } from '../src/data/splits';
import { CliError } from './outputs';

/** Parses a FER2013 .csv or .csv.gz; `seed` draws the Usage of a file without that column. Throws CliError (1) when it cannot. */
export async function loadData(file: string, seed: number): Promise<Awaited<ReturnType<typeof parseFer2013>> & { ok: true }> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new CliError(`${file} is not a file`, 1);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: file not found`, 1);
  }
  const result = await parseFer2013(createReadStream(file, { highWaterMark: 1 << 20 }), { totalBytes: size, seed, name: path.basename(file) });
  if (!result.ok) throw new CliError(`${file} rejected: ${result.error}`, 1);
  return result;
}

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
