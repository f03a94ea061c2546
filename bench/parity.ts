/**
 * The accuracy benchmarks' runner (bench/accuracy.ts, bench/accuracy-full.ts): one chromosome trained seed by seed by
 * Evolab (Node, wasm backend, src/ml's trainCandidate and evaluate) and by the PyTorch reference
 * (bench/torch_parity.py, same network, initialisers, batch norm, loss, optimizer and batching) on the very same
 * images, exported once to a subset file that both sides read; then the BENCHMARKS.md section.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CLASS_NAMES } from '../src/data/dataset';
import { parseFer2013 } from '../src/data/fer2013';
import type { Chromosome } from '../src/ga/chromosome';
import { nodeInflate } from '../cli/inflate';
import { nodeWasmOptions } from '../cli/wasm';
import { configureWasm } from '../src/ml/backend';
import { evaluate } from '../src/ml/evaluate';
import { DEFAULT_NETWORK } from '../src/ml/model';
import { simdKernels } from '../src/ml/kernels/simd';
import { trainCandidate, type TrainSettings } from '../src/ml/train';
import { wasmThreadCount } from '../src/ml/wasm-threads';
import { writeStepCheck } from './parity-step';
import {
  decodeSubset,
  drawSubset,
  encodeSubset,
  sampleStats,
  subsetCounts,
  type PartCaps,
  type ParitySubset,
  type SampleStats,
} from './parity-data';
import type { BenchContext, BenchSection } from './types';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = path.resolve(import.meta.dirname, 'torch_parity.py');

/** The small reference network: six 3x3 relu convs of 16-16-32-32-64-64 filters, Adam at 0.001. */
export const REFERENCE_CHROMOSOME: Chromosome = {
  conv: [16, 16, 32, 32, 64, 64].map((filters) => ({ filters, kernel: 3, activation: 'relu' as const })),
  optimizer: 'adam',
  learningRate: 0.001,
};

/** What one accuracy benchmark trains, on what, and what it must show. */
export interface ParityPlan {
  /** Folder under bench-out/ for the subset file and raw results. */
  readonly id: string;
  readonly title: string;
  readonly chromosome: Chromosome;
  /** Per-class caps of the canonical split's parts; null parts are whole. */
  readonly caps: PartCaps;
  /** Seed of the per-class draw. */
  readonly subsetSeed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly flip: boolean;
  /** Training seeds, each run once on each side. */
  readonly seeds: readonly number[];
  /** Largest gap in points by which Evolab's mean may trail PyTorch's, or null for a plain comparison. */
  readonly targetPoints: number | null;
  /** Also compare one training step's gradients from identical weights (bench/parity-step.ts). */
  readonly stepCheck: boolean;
}

/** bench/torch_parity.py --check-step's answer. */
interface StepCheckResult {
  readonly loss: number;
  readonly backendLoss: Record<string, number>;
  /** Relative gradient error per weight key, per tfjs backend. */
  readonly errors: Record<string, Record<string, number>>;
}

/** Gradient errors above this are more than float32 rounding (the cpu control stays below 1e-2 in every layer). */
const GRADIENT_TOLERANCE = 1e-2;
const STEP_BACKENDS = ['cpu', 'wasm'] as const;

/** One epoch of one training, in result.json's terms (`npm run train`). */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  readonly seconds: number;
}

/** One seed's training on one side. */
export interface SeedResult {
  readonly seed: number;
  readonly epochs: EpochRecord[];
  /** PublicTest accuracy of the tested (last epoch's) weights. */
  readonly valAccuracy: number;
  /** PrivateTest accuracy. */
  readonly testAccuracy: number;
  /** Wall time of the whole training, validation passes included. */
  readonly seconds: number;
  /** Training images per second over the training steps alone. */
  readonly imagesPerSecond: number;
}

/** The full FER2013 file: `FER2013_CSV` when set (it must exist), else fer2013.csv.gz or fer2013.csv in `sharedData`. */
export function findFer2013(sharedData: string): string | null {
  const env = process.env.FER2013_CSV;
  if (env) {
    if (!existsSync(env)) throw new Error(`FER2013_CSV=${env}: no such file`);
    return path.resolve(env);
  }
  return ['fer2013.csv.gz', 'fer2013.csv'].map((f) => path.join(sharedData, f)).find((f) => existsSync(f)) ?? null;
}

/** PyTorch's version, or why it cannot be used. */
function torchVersion(): { version: string } | { missing: string } {
  if (!existsSync(PYTHON)) return { missing: `${PYTHON} not found` };
  try {
    return {
      version: execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim(),
    };
  } catch (e) {
    const err = e as { stderr?: string };
    const last = (err.stderr ?? String(e)).trim().split('\n').pop() ?? '';
    return { missing: `PyTorch does not import in ${PYTHON} (${last})` };
  }
}

function commit(repoRoot: string): string {
  const git = (args: string[]): string =>
    execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git(['rev-parse', 'HEAD']);
    return git(['status', '--porcelain']) === '' ? head : `${head} (with uncommitted changes)`;
  } catch {
    return 'unknown';
  }
}

const minutes = (s: number): string => (s >= 90 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

async function evolabSeed(
  plan: ParityPlan,
  subset: ParitySubset,
  seed: number,
  log: (m: string) => void,
): Promise<SeedResult> {
  const settings: TrainSettings = {
    epochs: plan.epochs,
    batchSize: plan.batchSize,
    patience: 0,
    augmentFlip: plan.flip,
    network: DEFAULT_NETWORK,
  };
  const epochs: EpochRecord[] = [];
  let epochStart = performance.now();
  const { result, model } = await trainCandidate(
    { chromosome: plan.chromosome, data: subset.dataset, train: subset.train, val: subset.val, settings, seed },
    {
      onProgress: (p) => {
        if (p.kind === 'epoch') {
          const seconds = (performance.now() - epochStart) / 1000;
          epochStart = performance.now();
          epochs.push({
            epoch: p.epoch,
            loss: p.loss,
            accuracy: p.accuracy,
            valLoss: p.valLoss ?? NaN,
            valAccuracy: p.valAccuracy ?? NaN,
            seconds,
          });
          log(
            `evolab: seed ${seed} epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)} val loss ${(p.valLoss ?? NaN).toFixed(4)} val acc ${(p.valAccuracy ?? NaN).toFixed(4)} (${seconds.toFixed(0)} s)`,
          );
        } else if (p.batch % Math.max(1, Math.floor(p.batches / 10)) === 0 && p.batch < p.batches) {
          const left = (p.epochs - p.epoch) * subset.train.length + subset.train.length - p.batch * plan.batchSize;
          log(
            `evolab: seed ${seed} epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)} ${p.imagesPerSecond.toFixed(0)} img/s, about ${(left / p.imagesPerSecond / 60).toFixed(1)} min of training left`,
          );
        }
      },
    },
  );
  if (!model || result.status !== 'trained')
    throw new Error(`Evolab training of seed ${seed} ${result.status}${result.reason ? `: ${result.reason}` : ''}`);
  try {
    const test = await evaluate(model, subset.dataset, subset.test);
    const last = epochs[epochs.length - 1];
    return {
      seed,
      epochs,
      valAccuracy: last?.valAccuracy ?? NaN,
      testAccuracy: test.accuracy,
      seconds: result.seconds,
      imagesPerSecond: result.imagesPerSecond,
    };
  } finally {
    model.dispose();
  }
}

async function stepCheck(
  plan: ParityPlan,
  subset: ParitySubset,
  subsetFile: string,
  dir: string,
  threads: number,
  log: (m: string) => void,
): Promise<StepCheckResult> {
  const file = path.join(dir, 'step.json');
  log('one-step gradient check: tfjs cpu and wasm');
  await writeStepCheck(file, plan.chromosome, subset, plan.batchSize, STEP_BACKENDS);
  const out = execFileSync(
    PYTHON,
    [TORCH_SCRIPT, '--data', subsetFile, '--check-step', file, '--threads', String(threads)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 },
  );
  return JSON.parse(out.trim().split('\n').pop() ?? '') as StepCheckResult;
}

/** Rows of the step-check table: the largest error over each layer's weights (conv N with its batch norm). */
function stepCheckLines(r: StepCheckResult): string[] {
  const layers = new Map<string, Record<string, number>>();
  for (const [key, perBackend] of Object.entries(r.errors)) {
    const layer = key.split('/')[0]?.replace(/^bn/, 'conv') ?? key;
    const row = layers.get(layer) ?? {};
    for (const [b, e] of Object.entries(perBackend)) row[b] = Math.max(row[b] ?? 0, e);
    layers.set(layer, row);
  }
  const bad = [...layers].filter(([, row]) => (row.wasm ?? 0) > GRADIENT_TOLERANCE).map(([layer]) => layer);
  return [
    'One training step from identical weights (dropout off, the first training batch): largest relative gradient error per layer against PyTorch, |g − g_torch| / |g_torch| (conv N includes its batch norm). The cpu backend is a control: it runs the same tfjs model on plain JavaScript kernels.',
    '',
    '| layer | wasm (what Evolab trains on) | cpu (control) |',
    '|---|---|---|',
    ...[...layers].map(
      ([layer, row]) => `| ${layer} | ${(row.wasm ?? NaN).toExponential(1)} | ${(row.cpu ?? NaN).toExponential(1)} |`,
    ),
    '',
    `Loss of that batch: PyTorch ${r.loss.toFixed(5)}, ${STEP_BACKENDS.map((b) => `${b} ${(r.backendLoss[b] ?? NaN).toFixed(5)}`).join(', ')}. ` +
      (bad.length
        ? `**The wasm gradients disagree with PyTorch (error > ${GRADIENT_TOLERANCE}) in ${bad.join(', ')}**: wasm does not compute the same training step.`
        : `The wasm gradients agree with PyTorch within ${GRADIENT_TOLERANCE} in every layer.`),
  ];
}

function torchSeed(
  plan: ParityPlan,
  subsetFile: string,
  seed: number,
  threads: number,
  log: (m: string) => void,
): Promise<SeedResult & { threads: number; torch: string }> {
  const args = [
    TORCH_SCRIPT,
    '--data',
    subsetFile,
    '--chromosome',
    JSON.stringify(plan.chromosome),
    '--seed',
    String(seed),
    '--epochs',
    String(plan.epochs),
    '--batch',
    String(plan.batchSize),
    '--threads',
    String(threads),
    '--dense',
    String(DEFAULT_NETWORK.denseUnits),
    '--dropout-conv',
    String(DEFAULT_NETWORK.dropoutConv),
    '--dropout-dense',
    String(DEFAULT_NETWORK.dropoutDense),
    ...(plan.flip ? ['--flip'] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errTail: string[] = [];
    let partial = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        log(line);
        errTail = [...errTail, line].slice(-3);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        reject(
          new Error(
            `PyTorch training of seed ${seed} ended with ${code ?? signal}: ${[...errTail, partial].filter(Boolean).join(' / ')}`,
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as SeedResult & { threads: number; torch: string });
      } catch {
        reject(new Error(`PyTorch training of seed ${seed} printed no result`));
      }
    });
  });
}

const pct = (x: number): string => (100 * x).toFixed(2);
const statsCell = (s: SampleStats): string =>
  s.n > 1 ? `**${pct(s.mean)}** ± ${pct(s.sd)} (${pct(s.min)}–${pct(s.max)})` : `**${pct(s.mean)}**`;

/** Trains the plan on both sides and renders its section; a missing data file or PyTorch is said in the section. */
export async function runParity(ctx: BenchContext, plan: ParityPlan): Promise<BenchSection> {
  const file = findFer2013(ctx.sharedData);
  if (file === null) {
    const reason = `needs the full FER2013 file: set FER2013_CSV=/path/to/fer2013.csv(.gz) or put fer2013.csv.gz in ${ctx.sharedData}`;
    ctx.log(`skipped: ${reason}`);
    return { title: plan.title, markdown: `Not measured: ${reason}.`, data: { skipped: reason } };
  }
  ctx.log(`reading ${file}`);
  const parsed = await parseFer2013(createReadStream(file, { highWaterMark: 1 << 20 }), {
    totalBytes: statSync(file).size,
    name: path.basename(file),
    inflate: nodeInflate,
  });
  if (!parsed.ok) throw new Error(`${file} rejected: ${parsed.error}`);

  const dir = path.join(ctx.repoRoot, 'bench-out', plan.id);
  mkdirSync(dir, { recursive: true });
  const subsetFile = path.join(dir, 'subset.bin');
  writeFileSync(subsetFile, encodeSubset(drawSubset(parsed.dataset, plan.caps, plan.subsetSeed)));
  // Evolab trains on the file's decoded bytes, the very bytes PyTorch reads.
  const bytes = readFileSync(subsetFile);
  const subset = decodeSubset(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), parsed.dataset.name);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const counts = subsetCounts(subset);
  ctx.log(
    `subset: ${subset.train.length} training, ${subset.val.length} validation, ${subset.test.length} test images (${path.relative(ctx.repoRoot, subsetFile)})`,
  );

  // The wasm backend as the CLI configures it in Node: Evolab's training kernels and its thread count.
  configureWasm(undefined, await nodeWasmOptions());
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  if (simdKernels(tf.backend()) === null)
    throw new Error("Evolab's SIMD training kernels did not load on the wasm backend");
  const threads = wasmThreadCount();
  const torch = torchVersion();
  if ('missing' in torch) ctx.log(`PyTorch side skipped: ${torch.missing}`);
  else ctx.log(`PyTorch ${torch.version}, pinned to ${threads} thread(s) like the wasm backend`);

  const step =
    plan.stepCheck && 'version' in torch ? await stepCheck(plan, subset, subsetFile, dir, threads, ctx.log) : null;

  const evolab: SeedResult[] = [];
  const reference: SeedResult[] = [];
  let torchThreads = 0;
  // Seeds alternate between the sides, so a busy spell on a shared machine does not land on one side only.
  for (const seed of plan.seeds) {
    ctx.log(`evolab: seed ${seed}`);
    evolab.push(await evolabSeed(plan, subset, seed, ctx.log));
    ctx.log(`evolab: seed ${seed}: PrivateTest accuracy ${pct(evolab[evolab.length - 1]!.testAccuracy)}%`);
    if ('version' in torch) {
      ctx.log(`pytorch: seed ${seed}`);
      const r = await torchSeed(plan, subsetFile, seed, threads, ctx.log);
      torchThreads = r.threads;
      reference.push(r);
      ctx.log(`pytorch: seed ${seed}: PrivateTest accuracy ${pct(r.testAccuracy)}%`);
    }
  }
  writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ plan, step, evolab, reference }, null, 2));

  const ev = sampleStats(evolab.map((r) => r.testAccuracy));
  const ref = reference.length ? sampleStats(reference.map((r) => r.testAccuracy)) : null;
  const gapPoints = ref ? 100 * (ev.mean - ref.mean) : null;
  const targetMet = gapPoints === null || plan.targetPoints === null ? null : gapPoints >= -plan.targetPoints;
  const torchNote =
    'version' in torch
      ? `PyTorch ${torch.version} CPU, ${torchThreads} thread(s) (torch.set_num_threads)`
      : `PyTorch not run: ${torch.missing}`;
  const g = plan.chromosome.conv;
  const capText = (c: number | null): string => (c === null ? 'all' : `at most ${c}`);
  const lines: string[] = [];
  lines.push(
    `The same network trained by Evolab and by a PyTorch reference on the same FER2013 images; PrivateTest accuracy in %.`,
    '',
    `- Network: ${g.map((x) => `${x.filters}@${x.kernel}x${x.kernel} ${x.activation}`).join(', ')}; ${plan.chromosome.optimizer} ${plan.chromosome.learningRate}; dense ${DEFAULT_NETWORK.denseUnits}, dropout ${DEFAULT_NETWORK.dropoutConv} after pools and ${DEFAULT_NETWORK.dropoutDense} before the output (src/ml/model.ts).`,
    `- Data: ${path.basename(file)}, ${parsed.dataset.count.toLocaleString('en-US')} distinct images; the canonical split with ${capText(plan.caps.train)} Training, ${capText(plan.caps.val)} PublicTest and ${capText(plan.caps.test)} PrivateTest images per class${Object.values(plan.caps).some((c) => c !== null) ? ` (drawn with seed ${plan.subsetSeed})` : ''}: **${subset.train.length} training, ${subset.val.length} validation (PublicTest, after every epoch), ${subset.test.length} test (PrivateTest)** images. Both sides read the same subset file (SHA-256 \`${sha256.slice(0, 16)}…\`).`,
    `- Training: ${plan.epochs} epochs, batch ${plan.batchSize}, early stopping off (the last epoch's weights are tested), horizontal flips ${plan.flip ? 'on' : 'off'}; seeds ${plan.seeds.join(', ')}.`,
    `- Evolab: Node ${process.version}, tfjs ${tf.version.tfjs} wasm backend with Evolab's SIMD training kernels, ${threads} thread(s) (as npm run evolve configures it), src/ml trainCandidate + evaluate. ${torchNote}; ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores.`,
    `- Commit: \`${commit(ctx.repoRoot)}\`.`,
    '',
    '| part | total | ' + CLASS_NAMES.join(' | ') + ' |',
    '|---|---|' + CLASS_NAMES.map(() => '---|').join(''),
    ...(['train', 'val', 'test'] as const).map(
      (k) =>
        `| ${{ train: 'Training', val: 'PublicTest', test: 'PrivateTest' }[k]} | ${counts[k].reduce((a, b) => a + b, 0)} | ${counts[k].join(' | ')} |`,
    ),
    '',
    '| seed | Evolab PrivateTest | PyTorch PrivateTest | Evolab PublicTest | PyTorch PublicTest | Evolab time | PyTorch time | Evolab img/s | PyTorch img/s |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  plan.seeds.forEach((seed, i) => {
    const e = evolab[i] as SeedResult;
    const r = reference[i];
    lines.push(
      `| ${seed} | ${pct(e.testAccuracy)} | ${r ? pct(r.testAccuracy) : '-'} | ${pct(e.valAccuracy)} | ${r ? pct(r.valAccuracy) : '-'} | ${minutes(e.seconds)} | ${r ? minutes(r.seconds) : '-'} | ${e.imagesPerSecond.toFixed(0)} | ${r ? r.imagesPerSecond.toFixed(0) : '-'} |`,
    );
  });
  lines.push(
    `| ${ev.n > 1 ? 'mean ± sd (min–max)' : 'result'} | ${statsCell(ev)} | ${ref ? statsCell(ref) : '-'} | | | | | | |`,
  );
  lines.push('');
  lines.push('Validation (PublicTest) accuracy after each epoch, mean over the seeds:');
  lines.push('');
  lines.push('| side | ' + Array.from({ length: plan.epochs }, (_, i) => String(i + 1)).join(' | ') + ' |');
  lines.push('|---|' + Array.from({ length: plan.epochs }, () => '---|').join(''));
  const curve = (rs: SeedResult[]): string =>
    Array.from({ length: plan.epochs }, (_, i) =>
      pct(sampleStats(rs.map((r) => r.epochs[i]?.valAccuracy ?? NaN)).mean),
    ).join(' | ');
  lines.push(`| Evolab | ${curve(evolab)} |`);
  if (reference.length) lines.push(`| PyTorch | ${curve(reference)} |`);
  lines.push('');
  if (gapPoints !== null && ref) {
    const speed =
      sampleStats(evolab.map((r) => r.imagesPerSecond)).mean /
      sampleStats(reference.map((r) => r.imagesPerSecond)).mean;
    const verdict =
      targetMet === null
        ? ''
        : ` Target (Evolab's mean at most ${plan.targetPoints} points below PyTorch's): **${targetMet ? 'met' : 'not met'}**.`;
    lines.push(
      `**Gap of the means, Evolab − PyTorch: ${gapPoints >= 0 ? '+' : ''}${gapPoints.toFixed(2)} points.**${verdict}`,
    );
    lines.push('');
    lines.push(
      `Training speed, Evolab / PyTorch with the same thread count: ${speed.toFixed(2)}x (images per second over the training steps; the two sides alternate seed by seed).`,
    );
  } else {
    lines.push(`No gap: ${torchNote}.`);
  }
  if (step) lines.push('', ...stepCheckLines(step));
  return {
    title: plan.title,
    markdown: lines.join('\n'),
    data: {
      file,
      subsetSha256: sha256,
      counts,
      threads,
      torch,
      step,
      evolab,
      reference,
      evolabStats: ev,
      referenceStats: ref,
      gapPoints,
      targetMet,
      commit: commit(ctx.repoRoot),
    },
  };
}
