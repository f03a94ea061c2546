/**
 * `train --csv FILE --chromosome FILE.json|paper-best --out DIR [options]` (see cli/trainArgs.ts TRAIN_USAGE): one
 * chromosome trained properly in Node on the tfjs wasm backend, with the code and settings of a search's final training
 * (src/experiment/final.ts). Writes result.json, report.md and model/ into DIR. Exit codes: 0 done, 1 bad file or failed
 * training, 2 usage error, 130 stopped by a signal (nothing written).
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { makeSplits } from '../src/data/splits';
import { RunController } from '../src/experiment/control';
import { trainFinal } from '../src/experiment/final';
import { testSetText } from '../src/experiment/finalResult';
import { renderTrainReport } from '../src/experiment/finalReport';
import { writeAtomic } from './checkpoint';
import { initBackend, loadCsv, runCommand, stopOnSignals, writeModel } from './node';
import { CliError, EXIT_STOPPED } from './outputs';
import { ProgressReporter } from './progress';
import { parseTrainArgs, resolveChromosome, TRAIN_USAGE } from './trainArgs';

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);

/** Runs the command; returns the exit code. Throws only CliError or unexpected failures (turned into one line by runCommand). */
async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseTrainArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') throw new CliError(parsed.message, 2);
  const { options } = parsed;
  const { config } = options;
  const chosen = resolveChromosome(options.chromosome, (file) => readFileSync(file, 'utf8'));
  if ('error' in chosen) throw new CliError(chosen.error, 1);
  const { chromosome } = chosen;

  const progress = new ProgressReporter(
    { isTTY: process.stderr.isTTY === true, columns: process.stderr.columns, write: (t) => process.stderr.write(t) },
    undefined,
    'train',
  );
  const loadStart = performance.now();
  const { dataset } = await loadCsv(options.csv, config.seed);
  const mode = config.split ?? 'canonical';
  const { splits } = makeSplits(dataset, {
    mode,
    seed: config.seed,
    ...(config.perClass > 0 ? { perClassCap: config.perClass } : {}),
  });
  if (splits.train.length === 0 || splits.val.length === 0) {
    throw new CliError(
      `${options.csv}: the ${mode} split leaves ${splits.train.length} training and ${splits.val.length} validation images; nothing to train on`,
      1,
    );
  }
  progress.message(
    `train: ${dataset.name}: ${dataset.count} images loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s; ` +
      `${mode} split ${splits.train.length} train / ${splits.val.length} val / ${splits.test.length} test (${testSetText(mode, 'training')})`,
  );
  if (splits.test.length === 0)
    progress.message(
      `train: warning: the ${mode} split of this file has no test images, so the network gets no test score`,
    );
  const backend = await initBackend(options.backend);

  const control = new RunController();
  stopOnSignals(control, (sig) =>
    progress.message(
      `train: ${sig}: stopping within one batch; nothing will be written (press Ctrl-C again to quit at once)`,
    ),
  );
  const run = await trainFinal({
    chromosome,
    config,
    data: dataset,
    splits,
    dataset: {
      name: dataset.name,
      synthetic: dataset.synthetic,
      count: dataset.count,
      split: mode,
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
    },
    backend,
    control,
    emit: (e) => progress.handle(e),
  });
  progress.finish();
  if (run.outcome === 'stopped') {
    progress.message('train: stopped; nothing written');
    return EXIT_STOPPED;
  }
  if (!run.result || !run.weights) throw new CliError(`training failed: ${run.reason ?? 'unknown reason'}`, 1);
  const result = run.result;
  await mkdir(options.out, { recursive: true });
  await writeModel(path.join(options.out, 'model'), {
    chromosome,
    network: config.network,
    weights: run.weights,
    metadata: {
      valAccuracy: result.valAccuracy,
      testAccuracy: result.testAccuracy,
      seed: result.seed,
      final: { epochs: result.config.epochs, keptEpoch: result.keptEpoch, augmentFlip: result.config.augmentFlip },
    },
  });
  await writeAtomic(path.join(options.out, 'report.md'), renderTrainReport(result, { modelDir: 'model/' }));
  // result.json last: its presence says the folder is complete.
  await writeAtomic(path.join(options.out, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  progress.message(
    `train: done. validation accuracy ${pct(result.valAccuracy)}, test accuracy ${pct(result.testAccuracy)}; wrote ${path.join(options.out, 'result.json')}, report.md, model/`,
  );
  return 0;
}

runCommand('train', main);
