/**
 * Accuracy parity on real FER2013: the reference network (bench/parity.ts) trained by Evolab (Node, wasm) and by
 * PyTorch (bench/torch_parity.py) on a fixed subset of the canonical split, 3 seeds each; the target is Evolab's mean
 * PrivateTest accuracy within 2 points of PyTorch's. Needs the full fer2013.csv(.gz) (FER2013_CSV or ../shared/data);
 * without PyTorch only Evolab's side is measured. `npm run bench -- accuracy`.
 */
import { pathToFileURL } from 'node:url';
import { REFERENCE_CHROMOSOME, runParity, type ParityPlan } from './parity';
import { runStandalone } from './serve';
import type { BenchContext, BenchModule, BenchSection } from './types';

/** Node only: no app build to serve. */
export const needsPreview = false;

const PLAN: ParityPlan = {
  id: 'accuracy',
  title: 'Accuracy parity with PyTorch (FER2013 subset)',
  chromosome: REFERENCE_CHROMOSOME,
  caps: { train: 500, val: 100, test: 100 },
  subsetSeed: 2013,
  epochs: 8,
  batchSize: 32,
  flip: false,
  seeds: [1, 2, 3],
  targetPoints: 2,
  stepCheck: true,
};

/** Runs the parity benchmark and renders its BENCHMARKS.md section. */
export async function run(ctx: BenchContext): Promise<BenchSection> {
  return runParity(ctx, PLAN);
}

export default { run } satisfies BenchModule;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  void runStandalone('accuracy', run, { needsPreview });
