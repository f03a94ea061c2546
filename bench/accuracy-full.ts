/**
 * The full-data accuracy figure: the reference network (bench/parity.ts) on the whole canonical split (every distinct
 * Training / PublicTest / PrivateTest image), 10 epochs, horizontal flips, one seed, trained by Evolab (Node, wasm)
 * and by PyTorch (bench/torch_parity.py); both PrivateTest accuracies. Over an hour on wasm, so it runs only when
 * named: `npm run bench -- accuracy-full` (progress on stderr).
 */
import { pathToFileURL } from 'node:url';
import { REFERENCE_CHROMOSOME, runParity, type ParityPlan } from './parity';
import { runStandalone } from './serve';
import type { BenchContext, BenchModule, BenchSection } from './types';

/** Too long for every `npm run bench`: only when named. */
export const explicitOnly = true;
/** Node only: no app build to serve. */
export const needsPreview = false;

const PLAN: ParityPlan = {
  id: 'accuracy-full',
  title: 'Accuracy on the full FER2013 split (Evolab and PyTorch)',
  chromosome: REFERENCE_CHROMOSOME,
  caps: { train: null, val: null, test: null },
  subsetSeed: 0,
  epochs: 10,
  batchSize: 32,
  flip: true,
  seeds: [1],
  targetPoints: null,
  stepCheck: false,
};

/** Runs the full-data benchmark and renders its BENCHMARKS.md section. */
export async function run(ctx: BenchContext): Promise<BenchSection> {
  return runParity(ctx, PLAN);
}

export default { run } satisfies BenchModule;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  void runStandalone('accuracy-full', run, { needsPreview });
