/**
 * `evolve --csv FILE --out DIR [options]` (see cli/args.ts USAGE): the lab's genetic search run headless in Node on
 * the tfjs wasm backend with the same src/data, src/ga, src/ml and src/experiment code, or with --browser in the built
 * lab in headless Chromium (cli/browser.ts). Writes run.json, report.md, fitness.svg and model/ into DIR; with
 * --final-epochs N the best chromosome is then trained again (src/experiment/final.ts) and model/ is that network.
 * Exit codes: 0 done, 1 bad file or failed run (or failed final training), 2 usage error, 130 stopped by a signal
 * (resume with --resume --out DIR).
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { validateGaConfig } from '../src/ga';
import {
  gaConfig,
  trainingSettings,
  sameValue,
  SETTINGS,
  settingText,
  settingValue,
  type Setting,
} from '../src/settings';
import { BackendCrashedError } from '../src/ml/backend';
import { RunController } from '../src/experiment/control';
import { trainFinal, type FinalRun } from '../src/experiment/final';
import { candidateSeed, evaluateModel, runEvolution, type BestModel, type RunResult } from '../src/experiment/run';
import { datasetSha256 } from '../src/persist/hash';
import { duration } from '../src/experiment/format';
import type { RunLog } from '../src/experiment/runlog';
import { RunLogBuilder } from '../src/experiment/runlogBuilder';
import type { RunConfig, RunEvent } from '../src/experiment/types';
import { parseArgs, USAGE, type EvolveOptions } from './args';
import { runInBrowser } from './browser';
import {
  CheckpointWriter,
  checkpointDir,
  hasCheckpoint,
  readCheckpoint,
  writeAtomic,
  type CheckpointFiles,
  type CheckpointSettings,
  type LoadedCheckpoint,
} from './checkpoint';
import { runSplits, splitSha256 } from './dataset';
import { initBackend, loadCsv, runCommand, stopOnSignals, writeModel } from './node';
import { CliError, doneMessage, EXIT_STOPPED, writeRunFiles } from './outputs';
import { ProgressReporter } from './progress';
import { QueueCoordinator } from './queue/coordinator';
import { newRunId, redact } from './queue/shared';

/** The first setting on which two configs differ (absent optional settings read as their defaults), or null. */
function firstDifference(a: RunConfig, b: RunConfig): Setting | null {
  return SETTINGS.find((s) => !sameValue(settingValue(a, s), settingValue(b, s))) ?? null;
}

/** Settings of the run: from the arguments, or from the checkpoint on --resume (explicit flags must agree with it). */
async function settingsFor(
  options: EvolveOptions,
  given: ReadonlySet<string>,
): Promise<{ settings: CheckpointSettings; resume: (LoadedCheckpoint & CheckpointFiles) | null }> {
  const fromArgs: CheckpointSettings = {
    csv: path.resolve(options.csv || '.'),
    split: options.split,
    backend: options.backend,
    config: options.config,
    ...(options.finalEpochs === null ? {} : { finalEpochs: options.finalEpochs }),
  };
  if (!options.resume) {
    if (hasCheckpoint(options.out)) {
      throw new CliError(
        `${options.out} holds an unfinished run: add --resume to continue it, or choose another --out`,
        2,
      );
    }
    return { settings: fromArgs, resume: null };
  }
  let loaded: LoadedCheckpoint & CheckpointFiles;
  try {
    loaded = await readCheckpoint(options.out);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), 1);
  }
  const saved = loaded.settings;
  // Flags given with --resume must not change the run: that would not be the same run any more.
  const settingFlags = [...given].filter((k) => k !== 'csv' && k !== 'backend' && k !== 'final-epochs');
  const differs = settingFlags.length > 0 ? firstDifference(saved.config, options.config) : null;
  if (differs !== null) {
    const show = (c: RunConfig): string => {
      const v = settingValue(c, differs);
      return v === undefined ? 'unset' : settingText(v);
    };
    throw new CliError(
      `--resume: the saved run has --${differs.flag} ${show(saved.config)}, the arguments give --${differs.flag} ${show(options.config)}; repeat the original command or give only --resume --out DIR`,
      2,
    );
  }
  if (given.has('csv') && path.resolve(options.csv) !== saved.csv)
    throw new CliError(`--resume: the run used ${saved.csv}, not ${options.csv}`, 2);
  // The final training comes after the search, so --final-epochs may be added or changed on --resume.
  const finalEpochs = given.has('final-epochs') ? options.finalEpochs : (saved.finalEpochs ?? null);
  const { finalEpochs: _saved, ...rest } = saved;
  return {
    settings: {
      ...rest,
      backend: given.has('backend') ? options.backend : saved.backend,
      ...(finalEpochs === null ? {} : { finalEpochs }),
    },
    resume: loaded,
  };
}

/**
 * Writes run.json, report.md, fitness.svg, front.md (multi-objective) and (when the run finished) model/ into the output
 * folder. model/ is `exported` (the search's best, or the picked front member), or the final network when a final
 * training finished; when one was asked for and did not finish, model/ is left out.
 */
async function writeOutputs(
  out: string,
  log: RunLog,
  result: RunResult,
  exported: BestModel | null,
  config: RunConfig,
  final: FinalRun | null,
): Promise<boolean> {
  await mkdir(out, { recursive: true });
  const finished = result.outcome === 'done' && exported !== null;
  const wantsFinal = final !== null && final.outcome !== 'failed';
  let hasModel = false;
  if (finished && exported && !wantsFinal) {
    const best = exported;
    await writeModel(path.join(out, 'model'), {
      chromosome: best.chromosome,
      network: config.network,
      weights: best.weights,
      metadata: { valAccuracy: best.fitness, testAccuracy: log.best?.testAccuracy ?? null, seed: log.seed },
    });
    hasModel = true;
  } else if (final?.result && final.weights) {
    const r = final.result;
    await writeModel(path.join(out, 'model'), {
      chromosome: r.chromosome,
      network: r.config.network,
      weights: final.weights,
      metadata: {
        valAccuracy: r.valAccuracy,
        testAccuracy: r.testAccuracy,
        seed: r.seed,
        final: { epochs: r.config.epochs, keptEpoch: r.keptEpoch, augmentFlip: r.config.augmentFlip },
      },
    });
    hasModel = true;
  }
  // A stale model/ of an earlier attempt must not pass for this run's.
  if (!hasModel) await rm(path.join(out, 'model'), { recursive: true, force: true });
  await writeRunFiles(out, log, hasModel);
  return hasModel;
}

/** The run's id on the queue: kept in the checkpoint folder, so that --resume finds the jobs it enqueued. */
async function queueRunId(out: string, resume: boolean): Promise<string> {
  const file = path.join(checkpointDir(out), 'queue.json');
  if (resume) {
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as { run?: unknown };
      if (typeof saved.run === 'string' && /^r[0-9a-f]{10}$/.test(saved.run)) return saved.run;
    } catch {
      // The run was not queued before (or the file is unreadable): its remaining trainings start afresh.
    }
  }
  const run = newRunId();
  await mkdir(checkpointDir(out), { recursive: true });
  await writeAtomic(file, `${JSON.stringify({ run })}\n`);
  return run;
}

/** Runs the command; returns the exit code. Throws only CliError or unexpected failures (turned into one line by the caller). */
async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') throw new CliError(parsed.message, 2);
  if (parsed.kind === 'browser') {
    checkGaSettings(parsed.options.config);
    return runInBrowser(parsed.options);
  }
  const { options, given } = parsed;
  const { settings, resume } = await settingsFor(options, given);
  const { config } = settings;
  checkGaSettings(config);
  if (options.queue !== null && config.fidelity === 'halving') {
    throw new CliError(
      '--queue trains full-fidelity runs only: successive halving continues each training from a state kept in this process; ' +
        'run --fidelity halving without --queue, or --fidelity full with it',
      2,
    );
  }

  const progress = new ProgressReporter({
    isTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    write: (t) => process.stderr.write(t),
  });
  const loadStart = performance.now();
  const { dataset } = await loadCsv(settings.csv, config.seed);
  const split = runSplits(dataset, settings.split, config.seed, config.perClass);
  const { splits } = split;
  if (splits.train.length === 0 || splits.val.length === 0) {
    throw new CliError(
      `${settings.csv}: the ${settings.split} split leaves ${splits.train.length} training and ${splits.val.length} validation images; nothing to train on`,
      1,
    );
  }
  progress.message(
    `evolve: ${dataset.name}: ${dataset.count} images loaded in ${duration((performance.now() - loadStart) / 1000)}; ` +
      `${settings.split} split ${splits.train.length} train / ${splits.val.length} val / ${splits.test.length} test${split.leaky ? ' (paper split: fitness is measured on the test images)' : ''}`,
  );
  if (splits.test.length === 0)
    progress.message(
      `evolve: warning: the ${settings.split} split of this file has no test images, so the best network gets no test score`,
    );
  const backend = await initBackend(settings.backend);

  const meta = {
    dataset: {
      name: dataset.name,
      synthetic: dataset.synthetic,
      count: dataset.count,
      split: settings.split,
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
    },
  };
  const builder = resume ? RunLogBuilder.from(resume.runLog) : new RunLogBuilder(meta);
  const writer = new CheckpointWriter(
    checkpointDir(options.out),
    settings,
    resume ? { best: resume.run.best, file: resume.bestFile, continuations: resume.continuationFiles } : undefined,
  );
  await mkdir(options.out, { recursive: true });
  if (resume) progress.message(`evolve: resuming the run in ${options.out}`);

  const control = new RunController();
  stopOnSignals(control, (sig) => {
    progress.message(
      `evolve: ${sig}: stopping; the checkpoint in ${checkpointDir(options.out)} is kept (press Ctrl-C again to quit at once)`,
    );
  });

  const emit = (e: RunEvent): void => {
    builder.add(e);
    progress.handle(e);
  };
  let coordinator: QueueCoordinator | null = null;
  if (options.queue !== null) {
    const run = await queueRunId(options.out, resume !== null);
    const data = {
      name: dataset.name,
      count: dataset.count,
      sha256: await datasetSha256(dataset),
      seed: config.seed,
      split: settings.split,
      perClass: config.perClass,
      train: splits.train.length,
      val: splits.val.length,
      splitSha256: splitSha256(splits),
    };
    try {
      coordinator = await QueueCoordinator.open({
        url: options.queue,
        run,
        backend: settings.backend,
        threads: backend.threads ?? 0,
        data,
        settings: trainingSettings(config),
        seedOf: (c) => candidateSeed(config.seed, c),
        attempts: options.queueAttempts,
        log: (line) => progress.message(line),
      });
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e), 1);
    }
    progress.message(`evolve: trainings go to the queue at ${redact(options.queue)} as run ${run}`);
  }
  let result: RunResult | null = null;
  try {
    result = await runEvolution({
      config,
      data: dataset,
      splits,
      backend,
      control,
      emit,
      ...(resume ? { resume: resume.run } : {}),
      onCheckpoint: (cp) => writer.write(cp, builder.toJSON()),
      ...(coordinator ? { train: coordinator.train, onPlan: coordinator.plan } : {}),
    });
  } catch (e) {
    // Nothing of the crashed candidate was written: the checkpoint continues the run in a fresh process.
    if (e instanceof BackendCrashedError)
      throw new CliError(`${e.message}; resume with: npm run evolve -- --resume --out ${options.out}`, 1);
    throw e;
  } finally {
    await coordinator?.close(result?.outcome === 'done');
  }
  progress.finish();
  let exported = result.best;
  if (result.outcome === 'done' && options.pick !== null) {
    const member = result.front[options.pick - 1];
    if (member === undefined) {
      progress.message(
        `evolve: warning: --pick ${options.pick}: the front has ${result.front.length} member${result.front.length === 1 ? '' : 's'}; exporting row 1 (the most accurate)`,
      );
    } else if (options.pick > 1) {
      // The picked member replaces the default as run.json's best, with its own test scores.
      exported = member;
      const evaluation = await evaluateModel(member, config.network, dataset, splits.test);
      if (splits.test.length > 0)
        builder.add({
          type: 'test-result',
          chromosome: member.chromosome,
          evaluation,
          chosen: { phase: member.phase, index: member.index },
        });
    }
  }
  // The checkpoint stays until the final training is over: a Ctrl-C during it resumes into it (from its first epoch).
  const finalEpochs = settings.finalEpochs ?? null;
  let final: FinalRun | null = null;
  if (result.outcome === 'done' && exported && finalEpochs !== null) {
    final = await trainFinal({
      chromosome: exported.chromosome,
      config: { ...config, epochs: finalEpochs },
      data: dataset,
      splits,
      dataset: meta.dataset,
      backend,
      control,
      emit,
    });
    progress.finish();
  }
  const log = builder.toJSON();
  const hasModel = await writeOutputs(options.out, log, result, exported, config, final);
  if (result.outcome === 'stopped' || final?.outcome === 'stopped') {
    const where =
      result.outcome === 'stopped'
        ? ''
        : ' during the final training (the search is complete; --resume trains the final network again from its first epoch)';
    const queued = options.queue !== null && result.outcome === 'stopped' ? ` --queue ${redact(options.queue)}` : '';
    progress.message(`evolve: stopped${where}; resume with: npm run evolve -- --resume --out ${options.out}${queued}`);
    if (queued !== '')
      progress.message(
        'evolve: the queued trainings stay on the queue: workers finish them and the resumed run takes their results',
      );
    return EXIT_STOPPED;
  }
  await rm(checkpointDir(options.out), { recursive: true, force: true });
  if (final?.outcome === 'failed') {
    progress.message(
      `evolve: the search finished but the final training failed (${final.reason ?? 'unknown reason'}); wrote ${path.join(options.out, 'run.json')} and report.md${hasModel ? ", model/ (the search's best network)" : ''}`,
    );
    return 1;
  }
  progress.message(doneMessage(options.out, log, hasModel));
  return 0;
}

/** The GA engine's own checks of the settings (those of a resumed checkpoint too), as a usage error before anything is loaded. */
function checkGaSettings(config: RunConfig): void {
  const gaErrors = validateGaConfig(gaConfig(config, ''));
  if (gaErrors.length > 0) throw new CliError(`invalid settings: ${gaErrors[0] ?? ''}`, 2);
}

runCommand('evolve', main);
