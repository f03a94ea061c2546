/**
 * Training throughput, batch 32, 48x48x1, of two networks: the paper's best chromosome (PAPER_BEST, the paper's Table 2, Adagrad
 * 0.007) and a small reference (six 3x3 ReLU convolutions 16-16-32-32-64-64, Adam 0.001). For 1 thread and for every
 * core: PyTorch CPU (bench/torch_reference.py, threads pinned with torch.set_num_threads), wasm in Node
 * (bench/train-node.ts) and wasm in headless Chromium (bench/pages/train.html, a module worker like the app's), one
 * after another per network and thread count so that they share the machine's load. Also WebGL and WebGPU (SwiftShader)
 * on the paper's network, the kernels that dominate a wasm step, and seconds per candidate.
 * Standalone: `npx tsx bench/training.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { PAPER_BEST, type Chromosome } from '../src/ga/chromosome';
import { syntheticDataset } from '../src/data/synthetic';
import { makeSplits } from '../src/data/splits';
import { configureWasm } from '../src/ml/backend';
import { DEFAULT_TRAIN, trainCandidate } from '../src/ml/train';
import { nodeWasmOptions } from '../cli/wasm';
import type { TrainBenchOptions, TrainBenchResult } from './pages/train-core';
import { runStandalone } from './serve';
import type { BenchContext, BenchModule, BenchSection } from './types';

const BATCH = 32;
const PYTHON = '/usr/bin/python3';
/** The wasm / PyTorch ratio this benchmark checks, per network and thread count. */
const TARGET = 0.5;
/** Flags as in playwright.config.ts. */
const BASE_ARGS = [
  '--headless=new',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const GPU_ARGS: Record<string, string[]> = {
  wasm: [],
  webgl: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  webgpu: ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'],
};
/** Software GPU backends take minutes per step: few steps, capped. */
const PLAN: Record<string, { warmup: number; steps: number; capSeconds: number }> = {
  wasm: { warmup: 2, steps: 10, capSeconds: 30 },
  webgl: { warmup: 1, steps: 2, capSeconds: 60 },
  webgpu: { warmup: 1, steps: 2, capSeconds: 60 },
};
const TORCH_PLAN = { warmup: 3, steps: 20 };

/** The small reference network: six 3x3 ReLU convolutions 16-16-32-32-64-64, Adam 0.001. */
export const SMALL_REFERENCE: Chromosome = {
  conv: [16, 16, 32, 32, 64, 64].map((filters) => ({ filters, kernel: 3, activation: 'relu' as const })),
  optimizer: 'adam',
  learningRate: 0.001,
};

const NETWORKS: readonly { key: string; title: string; chromosome: Chromosome }[] = [
  { key: 'paper', title: "paper's best chromosome", chromosome: PAPER_BEST },
  { key: 'small', title: 'small reference (6 x 3x3 ReLU, 16-16-32-32-64-64, Adam 0.001)', chromosome: SMALL_REFERENCE },
];

const MICRO: Chromosome = {
  conv: Array.from({ length: 6 }, () => ({ filters: 2, kernel: 3, activation: 'relu' as const })),
  optimizer: 'adam',
  learningRate: 0.005,
};

interface Measured {
  readonly imagesPerSecond: number;
  readonly msPerStep: number;
  readonly timedSteps: number;
  readonly warmupSeconds?: number;
  readonly threads: number;
}
type Outcome = { ok: true; value: Measured; kernels?: TrainBenchResult['kernels'] } | { ok: false; error: string };
interface TorchResult {
  imagesPerSecond: number;
  msPerStep: number;
  cpuMsPerStep: number;
  threads: number;
  torch: string;
}

const errorLine = (e: unknown): string => (e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e));

function torch(
  chromosome: Chromosome,
  threads: number,
): { ok: true; value: TorchResult } | { ok: false; error: string } {
  if (!existsSync(PYTHON)) return { ok: false, error: `${PYTHON} not found` };
  try {
    const script = path.resolve(import.meta.dirname, 'torch_reference.py');
    const args = [
      script,
      JSON.stringify(chromosome),
      String(BATCH),
      String(TORCH_PLAN.warmup),
      String(TORCH_PLAN.steps),
      String(threads),
    ];
    const out = execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, value: JSON.parse(out.trim().split('\n').pop() ?? '{}') as TorchResult };
  } catch (e) {
    return { ok: false, error: `PyTorch unavailable: ${errorLine(e)}` };
  }
}

function inNode(chromosome: Chromosome, threads: number, profile: boolean): Outcome {
  const options: TrainBenchOptions = { chromosome, batch: BATCH, ...PLAN.wasm!, profile };
  try {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', path.resolve(import.meta.dirname, 'train-node.ts'), JSON.stringify(options), String(threads)],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 1 << 24,
      },
    );
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as TrainBenchResult & { threads: number };
    return { ok: true, value: r, ...(r.kernels ? { kernels: r.kernels } : {}) };
  } catch (e) {
    return { ok: false, error: errorLine(e) };
  }
}

async function inChromium(
  ctx: BenchContext,
  backend: string,
  chromosome: Chromosome,
  threads: number | null,
): Promise<Outcome> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser = await chromium.launch({
    executablePath: ctx.chromiumPath,
    ignoreDefaultArgs: ['--headless'],
    args: [...BASE_ARGS, ...(isRoot ? ['--no-sandbox'] : []), ...(GPU_ARGS[backend] ?? [])],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    page.on('pageerror', (e) => ctx.log(`page error: ${e.message}`));
    const query = `backend=${backend}${threads === null ? '' : `&threads=${threads}`}`;
    await page.goto(new URL(`bench/pages/train.html?${query}`, ctx.baseUrl).href, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => typeof window.trainBench === 'function');
    const choice = await page.evaluate(() => window.trainBenchReady);
    if (choice.name !== backend) return { ok: false, error: `not available (${choice.reason})` };
    const opts: TrainBenchOptions = { chromosome, batch: BATCH, ...PLAN[backend]!, profile: false };
    const r = await page.evaluate((o) => window.trainBench(o), opts);
    return { ok: true, value: { ...r, threads: r.choice.threads ?? 1 } };
  } catch (e) {
    return { ok: false, error: errorLine(e) };
  } finally {
    await browser.close();
  }
}

async function perCandidate(log: (m: string) => void): Promise<{ name: string; seconds: number; images: number }[]> {
  configureWasm(undefined, await nodeWasmOptions(1));
  await tf.setBackend('wasm');
  await tf.ready();
  const out: { name: string; seconds: number; images: number }[] = [];
  const data = syntheticDataset(20, 1);
  const { splits } = makeSplits(data, { mode: 'canonical', seed: 1, perClassCap: 10 });
  for (const [name, chromosome] of [
    ['micro (6 x 2 filters, 3x3)', MICRO],
    ['paper best', PAPER_BEST],
  ] as const) {
    log(`node wasm: one candidate, ${name}`);
    const { result: r, model } = await trainCandidate({
      chromosome,
      data,
      train: splits.train,
      val: splits.val,
      settings: { ...DEFAULT_TRAIN, epochs: 1 },
      seed: 1,
    });
    model?.dispose();
    out.push({ name, seconds: r.seconds, images: splits.train.length });
  }
  return out;
}

const f1 = (n: number): string => n.toFixed(1);
const threadsText = (n: number): string => (n === 1 ? '1 thread' : `${n} threads`);

/** Runs the training benchmark and renders its BENCHMARKS.md section. */
export async function run(ctx: BenchContext): Promise<BenchSection> {
  const cores = os.cpus().length;
  const threadCounts = [...new Set([1, cores])];
  const loadAtStart = os.loadavg()[0] ?? 0;
  const lines: string[] = [];
  const data: Record<string, unknown> = { batch: BATCH, cores, target: TARGET };
  const verdicts: string[] = [];
  const profiles: { title: string; kernels: NonNullable<TrainBenchResult['kernels']> }[] = [];
  lines.push(
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${os.platform()} ${os.release()}; ${new Date().toISOString().slice(0, 10)}.`,
  );
  lines.push(
    `Batch ${BATCH}, 48x48x1 random inputs, dense 256, each network with its own optimizer. Per network and thread count, PyTorch, Node and Chromium ran one after another; img/s is wall-clock over ${PLAN.wasm!.steps} timed steps after ${PLAN.wasm!.warmup} warm-up steps (PyTorch: ${TORCH_PLAN.steps} after ${TORCH_PLAN.warmup}).`,
  );
  for (const net of NETWORKS) {
    lines.push('');
    lines.push(
      `**${net.title[0]?.toUpperCase()}${net.title.slice(1)}** (${net.chromosome.conv.map((g) => `${g.filters}@${g.kernel}x${g.kernel} ${g.activation}`).join(', ')}; ${net.chromosome.optimizer} ${net.chromosome.learningRate}):`,
    );
    lines.push('');
    lines.push('| threads | where | img/s | ms/step | ratio to PyTorch (same threads) |');
    lines.push('|---|---|---|---|---|');
    for (const threads of threadCounts) {
      ctx.log(`${net.key}, ${threadsText(threads)}: pytorch`);
      const ref = torch(net.chromosome, threads);
      ctx.log(`${net.key}, ${threadsText(threads)}: node wasm`);
      const node = inNode(net.chromosome, threads, false);
      ctx.log(`${net.key}, ${threadsText(threads)}: chromium wasm`);
      const browser = await inChromium(ctx, 'wasm', net.chromosome, threads);
      data[`${net.key}-${threads}`] = { torch: ref, node, chromium: browser };
      const refIps = ref.ok ? ref.value.imagesPerSecond : null;
      const row = (where: string, o: Outcome): string =>
        o.ok
          ? `| ${o.value.threads} | ${where} | ${f1(o.value.imagesPerSecond)} | ${o.value.msPerStep.toFixed(0)} | ${refIps ? `${(o.value.imagesPerSecond / refIps).toFixed(2)}x` : '-'} |`
          : `| ${threads} | ${where} | - | - | ${o.error} |`;
      lines.push(
        ref.ok
          ? `| ${ref.value.threads} | PyTorch ${ref.value.torch} CPU (torch.set_num_threads(${threads}); get_num_threads() = ${ref.value.threads}) | ${f1(ref.value.imagesPerSecond)} | ${ref.value.msPerStep.toFixed(0)} | 1.00x |`
          : `| ${threads} | PyTorch CPU | - | - | ${ref.error} |`,
      );
      lines.push(row(`Node ${process.version}, wasm`, node));
      lines.push(row('Chromium, wasm (module worker)', browser));
      if (refIps && browser.ok) {
        const ratio = browser.value.imagesPerSecond / refIps;
        verdicts.push(
          `| ${net.key === 'paper' ? 'paper best' : 'small reference'} | ${threadsText(threads)} | ${ratio.toFixed(2)}x | ${ratio >= TARGET ? 'met' : '**missed**'} |`,
        );
      } else {
        verdicts.push(`| ${net.key} | ${threadsText(threads)} | not measured | - |`);
      }
    }
    ctx.log(`${net.key}: profiled node wasm step`);
    const profiled = inNode(net.chromosome, 1, true);
    if (profiled.ok && profiled.kernels) profiles.push({ title: net.title, kernels: profiled.kernels });
  }
  const loadAtEnd = os.loadavg()[0] ?? 0;
  data.loadAverage = [loadAtStart, loadAtEnd];
  lines.push('');
  lines.push(
    `Load average (1 min) of the machine: ${loadAtStart.toFixed(1)} before these runs, ${loadAtEnd.toFixed(1)} after; above ${cores} other work shared the cores, which slows thread counts above 1 most (PyTorch's OpenMP threads wait for each other).`,
  );
  lines.push('');
  lines.push(`**Target: Chromium wasm >= ${TARGET}x PyTorch CPU with the same number of threads.**`);
  lines.push('');
  lines.push('| network | threads | Chromium wasm / PyTorch | target |');
  lines.push('|---|---|---|---|');
  lines.push(...verdicts);

  const gpuRows: string[] = [];
  for (const backend of ['webgl', 'webgpu']) {
    ctx.log(`chromium ${backend}`);
    const o = await inChromium(ctx, backend, PAPER_BEST, null);
    data[backend] = o;
    gpuRows.push(
      o.ok
        ? `| Chromium, ${backend} (SwiftShader) | ${f1(o.value.imagesPerSecond)} | ${o.value.msPerStep.toFixed(0)} | ${o.value.timedSteps} |`
        : `| Chromium, ${backend} | - | - | ${o.error} |`,
    );
  }
  lines.push('');
  lines.push("Software GPU emulation on the paper's network (no GPU here: they prove the code path, not GPU speed):");
  lines.push('');
  lines.push('| where | img/s | ms/step | timed steps |');
  lines.push('|---|---|---|---|');
  lines.push(...gpuRows);

  for (const p of profiles) {
    const total = p.kernels.reduce((a, k) => a + k.ms, 0);
    lines.push('');
    lines.push(
      `One profiled wasm step in Node, 1 thread, ${p.title} (${total.toFixed(0)} ms in kernels; nested kernels count inside their op too), largest first:`,
    );
    lines.push('');
    lines.push('| kernel | ms | share |');
    lines.push('|---|---|---|');
    for (const k of p.kernels.slice(0, 10))
      lines.push(`| ${k.name} | ${k.ms.toFixed(1)} | ${((100 * k.ms) / Math.max(total, 1e-9)).toFixed(0)}% |`);
  }
  data.profiles = profiles;

  const candidates = await perCandidate(ctx.log);
  data.perCandidate = candidates;
  lines.push('');
  lines.push('Seconds per candidate (Node, wasm, 1 thread, synthetic sample, 1 epoch, batch 32, validation included):');
  lines.push('');
  lines.push('| network | training images | seconds |');
  lines.push('|---|---|---|');
  for (const c of candidates) lines.push(`| ${c.name} | ${c.images} | ${f1(c.seconds)} |`);
  return { title: 'Training throughput (wasm vs PyTorch, 1 thread and all cores)', markdown: lines.join('\n'), data };
}

export default { run } satisfies BenchModule;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runStandalone('training', run);
