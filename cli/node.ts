/** What `evolve` and `train` share in Node: the training backend, the CSV load, the model export and Ctrl-C handling. */
import { createReadStream, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { CLASS_NAMES } from '../src/data/dataset';
import { parseFer2013 } from '../src/data/fer2013';
import { nodeInflate } from './inflate';
import type { Chromosome } from '../src/ga/chromosome';
import { configureWasm, type BackendChoice } from '../src/ml/backend';
import { exportModel } from '../src/ml/export';
import type { NetworkSettings } from '../src/ml/model';
import type { WeightSnapshot } from '../src/ml/train';
import { MODEL_INPUT, withTrainedModel } from '../src/ml/trained';
import { wasmThreadCount } from '../src/ml/wasm-threads';
import type { RunController } from '../src/experiment/control';
import { writeAtomic } from './checkpoint';
import { CliError, EXIT_STOPPED } from './outputs';
import { nodeWasmOptions } from './wasm';

/**
 * Initialises the wasm (SIMD kernels, and `threads` or as many threads as this machine suits) or cpu backend in Node
 * and says why it trains there.
 */
export async function initBackend(name: 'wasm' | 'cpu', wantThreads: number | 'auto' = 'auto'): Promise<BackendChoice> {
  if (name === 'wasm') configureWasm(undefined, await nodeWasmOptions(wantThreads));
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new CliError(`the ${name} backend failed to initialise`, 1);
  const threads = wasmThreadCount();
  const reason =
    name === 'wasm'
      ? `Node CLI: TensorFlow.js WebAssembly backend with Evolab's training kernels (${process.platform}, Node ${process.versions.node}); ${threads === 1 ? '1 thread' : `${threads} threads`}`
      : `Node CLI: plain JavaScript backend (--backend cpu)`;
  return { name, reason, software: false, ...(name === 'wasm' ? { threads } : {}) };
}

/** Parses a FER2013 CSV (or .csv.gz); a missing or rejected file is a CliError with exit code 1. */
export async function loadCsv(
  file: string,
  seed: number,
): Promise<Awaited<ReturnType<typeof parseFer2013>> & { ok: true }> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new CliError(`${file} is not a file`, 1);
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: file not found`, 1);
  }
  const result = await parseFer2013(createReadStream(file, { highWaterMark: 1 << 20 }), {
    totalBytes: size,
    seed,
    name: path.basename(file),
    inflate: nodeInflate,
  });
  if (!result.ok) throw new CliError(`${file} rejected: ${result.error}`, 1);
  return result;
}

/** The weights of a network to export, and what model.json's metadata says of it. */
export interface ModelToWrite {
  readonly chromosome: Chromosome;
  readonly network: NetworkSettings;
  readonly weights: WeightSnapshot;
  readonly metadata: Record<string, unknown>;
}

/** Writes `dir` (model.json + weights.bin) for tf.loadLayersModel: input [n,48,48,1] float32 = pixels / 255. */
export async function writeModel(dir: string, m: ModelToWrite): Promise<void> {
  const exported = await withTrainedModel({ chromosome: m.chromosome, weights: m.weights }, m.network, (model) =>
    exportModel(model, {
      ...m.metadata,
      chromosome: m.chromosome,
      network: m.network,
      input: MODEL_INPUT,
      classes: CLASS_NAMES,
    }),
  );
  await mkdir(dir, { recursive: true });
  await writeAtomic(path.join(dir, exported.weightsFileName), new Uint8Array(exported.weights));
  await writeAtomic(path.join(dir, 'model.json'), exported.modelJson);
}

/**
 * Ctrl-C and SIGTERM: the first asks `control` to stop (and `onFirst` says so), a later one quits at once with exit code
 * 130. Returns a function that removes the handlers.
 */
export function stopOnSignals(control: RunController, onFirst: (signal: NodeJS.Signals) => void): () => void {
  let firstSignal = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    // One Ctrl-C can arrive twice (the terminal's and npm's forwarded copy): only a later one means "quit now".
    if (firstSignal === 0 || performance.now() - firstSignal < 1000) {
      if (firstSignal !== 0) return;
      firstSignal = performance.now();
      control.request({ type: 'stop' });
      onFirst(sig);
    } else {
      // Whatever was written is complete (atomic writes), so quitting now loses only the work in progress.
      process.exit(EXIT_STOPPED);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/**
 * Runs a command's `main` and exits with its code; every failure is one line on stderr, `NAME: message`, with exit code
 * 2 for usage problems (and a pointer to --help) and 1 for a bad file or a failed run, never a stack trace.
 */
export function runCommand(name: string, main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exit(code);
    },
    (err: unknown) => {
      const code = err instanceof CliError ? err.code : 1;
      const msg = err instanceof Error ? err.message : String(err);
      const line = msg.split('\n')[0] ?? '';
      const hint = code === 2 && !line.includes('--help') ? ' (see --help)' : '';
      process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${name}: ${line}${hint}\n`);
      process.exit(code);
    },
  );
}
