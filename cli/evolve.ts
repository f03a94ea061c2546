/**
 * `evolve --csv FILE --out DIR [options]` (see cli/args.ts USAGE): the lab's genetic search run headless in Node on
 * the tfjs wasm backend with the same src/data, src/ga, src/ml and src/experiment code, or with --browser in the built
 * lab in headless Chromium (cli/browser.ts). Writes run.json, report.md, fitness.svg and model/ into DIR. Exit codes:
 * 0 done, 1 bad file or failed run, 2 usage error, 130 stopped by a signal (resume with --resume --out DIR).
 */
import { createReadStream, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { CLASS_NAMES } from '../src/data/dataset';
import { parseFer2013 } from '../src/data/fer2013';
import { makeSplits } from '../src/data/splits';
import { validateGaConfig } from '../src/ga';
import { gaConfig, sameValue, SETTINGS, settingText, settingValue, type Setting } from '../src/settings';
import type { BackendChoice } from '../src/ml/backend';
import { configureWasm } from '../src/ml/backend';
import { wasmThreadCount } from '../src/ml/wasm-threads';
import { exportModel } from '../src/ml/export';
import { MODEL_INPUT, withTrainedModel } from '../src/ml/trained';
import { RunController } from '../src/experiment/control';
import { runEvolution, type RunResult } from '../src/experiment/run';
import { duration } from '../src/experiment/format';
import type { RunLog } from '../src/experiment/runlog';
import { RunLogBuilder } from '../src/experiment/runlogBuilder';
import type { RunConfig, RunEvent } from '../src/experiment/types';
import { parseArgs, USAGE, type EvolveOptions } from './args';
import { runInBrowser } from './browser';
import { nodeWasmOptions } from './wasm';
import { CheckpointWriter, checkpointDir, hasCheckpoint, readCheckpoint, writeAtomic, type CheckpointSettings, type LoadedCheckpoint } from './checkpoint';
import { CliError, doneMessage, EXIT_STOPPED, writeRunFiles } from './outputs';
import { ProgressReporter } from './progress';

/** The first setting on which two configs differ (absent optional settings read as their defaults), or null. */
function firstDifference(a: RunConfig, b: RunConfig): Setting | null {
  return SETTINGS.find((s) => !sameValue(settingValue(a, s), settingValue(b, s))) ?? null;
}

/** Settings of the run: from the arguments, or from the checkpoint on --resume (explicit flags must agree with it). */
async function settingsFor(options: EvolveOptions, given: ReadonlySet<string>): Promise<{ settings: CheckpointSettings; resume: (LoadedCheckpoint & { bestFile: string | null }) | null }> {
  const fromArgs: CheckpointSettings = { csv: path.resolve(options.csv || '.'), split: options.split, backend: options.backend, config: options.config };
  if (!options.resume) {
    if (hasCheckpoint(options.out)) {
      throw new CliError(`${options.out} holds an unfinished run: add --resume to continue it, or choose another --out`, 2);
    }
    return { settings: fromArgs, resume: null };
  }
  let loaded: LoadedCheckpoint & { bestFile: string | null };
  try {
    loaded = await readCheckpoint(options.out);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), 1);
  }
  const saved = loaded.settings;
  // Flags given with --resume must not change the run: that would not be the same run any more.
  const settingFlags = [...given].filter((k) => k !== 'csv' && k !== 'backend');
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
  if (given.has('csv') && path.resolve(options.csv) !== saved.csv) throw new CliError(`--resume: the run used ${saved.csv}, not ${options.csv}`, 2);
  return { settings: { ...saved, backend: given.has('backend') ? options.backend : saved.backend }, resume: loaded };
}

async function initBackend(name: 'wasm' | 'cpu'): Promise<BackendChoice> {
  if (name === 'wasm') configureWasm(undefined, await nodeWasmOptions());
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new CliError(`the ${name} backend failed to initialise`, 1);
  const reason =
    name === 'wasm'
      ? `Node CLI: TensorFlow.js WebAssembly backend with Evolab's training kernels (${process.platform}, Node ${process.versions.node}); ${threadsText(wasmThreadCount())}`
      : `Node CLI: plain JavaScript backend (--backend cpu)`;
  return { name, reason, software: false, ...(name === 'wasm' ? { threads: wasmThreadCount() } : {}) };
}

function threadsText(n: number): string {
  return n === 1 ? '1 thread' : `${n} threads`;
}

async function loadData(file: string, seed: number): Promise<Awaited<ReturnType<typeof parseFer2013>> & { ok: true }> {
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

/** Writes run.json, report.md, fitness.svg and (when the run finished) model/ into the output folder. */
async function writeOutputs(out: string, log: RunLog, result: RunResult, config: RunConfig): Promise<void> {
  await mkdir(out, { recursive: true });
  const finished = result.outcome === 'done' && result.best !== null;
  if (finished && result.best) {
    const best = result.best;
    const exported = await withTrainedModel(best, config.network, (model) =>
      exportModel(model, {
        chromosome: best.chromosome,
        valAccuracy: best.fitness,
        testAccuracy: log.best?.testAccuracy ?? null,
        network: config.network,
        seed: log.seed,
        input: MODEL_INPUT,
        classes: CLASS_NAMES,
      }),
    );
    await mkdir(path.join(out, 'model'), { recursive: true });
    await writeAtomic(path.join(out, 'model', exported.weightsFileName), new Uint8Array(exported.weights));
    await writeAtomic(path.join(out, 'model', 'model.json'), exported.modelJson);
  }
  await writeRunFiles(out, log, finished);
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

  const progress = new ProgressReporter({ isTTY: process.stderr.isTTY === true, columns: process.stderr.columns, write: (t) => process.stderr.write(t) });
  const loadStart = performance.now();
  const { dataset } = await loadData(settings.csv, config.seed);
  const split = makeSplits(dataset, { mode: settings.split, seed: config.seed, ...(config.perClass > 0 ? { perClassCap: config.perClass } : {}) });
  const { splits } = split;
  if (splits.train.length === 0 || splits.val.length === 0) {
    throw new CliError(`${settings.csv}: the ${settings.split} split leaves ${splits.train.length} training and ${splits.val.length} validation images; nothing to train on`, 1);
  }
  progress.message(
    `evolve: ${dataset.name}: ${dataset.count} images loaded in ${duration((performance.now() - loadStart) / 1000)}; ` +
      `${settings.split} split ${splits.train.length} train / ${splits.val.length} val / ${splits.test.length} test${split.leaky ? ' (paper split: fitness is measured on the test images)' : ''}`,
  );
  if (splits.test.length === 0) progress.message(`evolve: warning: the ${settings.split} split of this file has no test images, so the best network gets no test score`);
  const backend = await initBackend(settings.backend);

  const meta = { dataset: { name: dataset.name, synthetic: dataset.synthetic, count: dataset.count, split: settings.split, train: splits.train.length, val: splits.val.length, test: splits.test.length } };
  const builder = resume ? RunLogBuilder.from(resume.runLog) : new RunLogBuilder(meta);
  const writer = new CheckpointWriter(checkpointDir(options.out), settings, resume ? { best: resume.run.best, file: resume.bestFile } : undefined);
  await mkdir(options.out, { recursive: true });
  if (resume) progress.message(`evolve: resuming the run in ${options.out}`);

  const control = new RunController();
  let firstSignal = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    // One Ctrl-C can arrive twice (the terminal's and npm's forwarded copy): only a later one means "quit now".
    if (firstSignal === 0 || performance.now() - firstSignal < 1000) {
      if (firstSignal !== 0) return;
      firstSignal = performance.now();
      control.request({ type: 'stop' });
      progress.message(`evolve: ${sig}: stopping; the checkpoint in ${checkpointDir(options.out)} is kept (press Ctrl-C again to quit at once)`);
    } else {
      // The last checkpoint on disk is complete (atomic writes), so quitting now loses only the current candidate.
      process.exit(EXIT_STOPPED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const emit = (e: RunEvent): void => {
    builder.add(e);
    progress.handle(e);
  };
  const result = await runEvolution({
    config,
    data: dataset,
    splits,
    backend,
    control,
    emit,
    ...(resume ? { resume: resume.run } : {}),
    onCheckpoint: (cp) => writer.write(cp, builder.toJSON()),
  });
  progress.finish();
  const log = builder.toJSON();
  await writeOutputs(options.out, log, result, config);
  if (result.outcome === 'stopped') {
    progress.message(`evolve: stopped; resume with: npm run evolve -- --resume --out ${options.out}`);
    return EXIT_STOPPED;
  }
  await rm(checkpointDir(options.out), { recursive: true, force: true });
  progress.message(doneMessage(options.out, log, result.best !== null));
  return 0;
}

/** The GA engine's own checks of the settings (those of a resumed checkpoint too), as a usage error before anything is loaded. */
function checkGaSettings(config: RunConfig): void {
  const gaErrors = validateGaConfig(gaConfig(config, ''));
  if (gaErrors.length > 0) throw new CliError(`invalid settings: ${gaErrors[0] ?? ''}`, 2);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    // Every failure is one line: a usage problem (2) or a bad file / failed run (1), never a stack trace.
    const code = err instanceof CliError ? err.code : 1;
    const msg = err instanceof Error ? err.message : String(err);
    const line = msg.split('\n')[0] ?? '';
    const hint = code === 2 && !line.includes('--help') ? ' (see --help)' : '';
    process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}evolve: ${line}${hint}\n`);
    process.exit(code);
  },
);
