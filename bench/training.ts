/**
 * Training throughput of the paper's best chromosome (PAPER_BEST, the paper's Table 2; batch 32, 48x48x1, its optimizer Adagrad 0.007):
 * wasm in Node (with src/ml/kernels), wasm / webgl / webgpu in headless Chromium (bench/pages/train.html; GPU APIs on
 * SwiftShader), and PyTorch CPU (bench/torch_reference.py) as the reference measured in the same run. Also the kernel
 * that dominates a wasm step, and seconds per candidate. Standalone: `npx tsx bench/training.ts`.
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
import { registerWasmTrainingKernels } from '../src/ml/kernels';
import { DEFAULT_TRAIN, trainCandidate } from '../src/ml/train';
import { benchTraining, type TrainBenchOptions, type TrainBenchResult } from './pages/train-core';
import { runStandalone } from './serve';
import type { BenchContext, BenchModule, BenchSection } from './types';

const BATCH = 32;
const PYTHON = '/usr/bin/python3';
/** Flags as in playwright.config.ts. */
const BASE_ARGS = ['--headless=new', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
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

const MICRO: Chromosome = {
  conv: Array.from({ length: 6 }, () => ({ filters: 2, kernel: 3, activation: 'relu' as const })),
  optimizer: 'adam',
  learningRate: 0.005,
};

type Row = { where: string; result?: TrainBenchResult; error?: string; note?: string };

async function inNode(log: (m: string) => void): Promise<{ row: Row; perCandidate: { name: string; seconds: number; images: number }[] }> {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  log('node wasm: paper best');
  const result = await benchTraining({ chromosome: PAPER_BEST, batch: BATCH, ...PLAN.wasm!, profile: true } as TrainBenchOptions);
  const perCandidate: { name: string; seconds: number; images: number }[] = [];
  const data = syntheticDataset(20, 1);
  const { splits } = makeSplits(data, { mode: 'canonical', seed: 1, perClassCap: 10 });
  for (const [name, chromosome] of [['micro (6 x 2 filters, 3x3)', MICRO], ['paper best', PAPER_BEST]] as const) {
    log(`node wasm: one candidate, ${name}`);
    const { result: r, model } = await trainCandidate({ chromosome, data, train: splits.train, val: splits.val, settings: { ...DEFAULT_TRAIN, epochs: 1 }, seed: 1 });
    model?.dispose();
    perCandidate.push({ name, seconds: r.seconds, images: splits.train.length });
  }
  return { row: { where: `Node ${process.version}, wasm (SIMD) + src/ml/kernels`, result }, perCandidate };
}

async function inChromium(ctx: BenchContext, backend: string): Promise<Row> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser = await chromium.launch({
    executablePath: ctx.chromiumPath,
    ignoreDefaultArgs: ['--headless'],
    args: [...BASE_ARGS, ...(isRoot ? ['--no-sandbox'] : []), ...(GPU_ARGS[backend] ?? [])],
  });
  const where = `Chromium, ${backend}${backend === 'wasm' ? ' (SIMD) + src/ml/kernels' : ' (SwiftShader)'}`;
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(600_000);
    page.on('pageerror', (e) => ctx.log(`page error: ${e.message}`));
    await page.goto(new URL(`bench/pages/train.html?backend=${backend}`, ctx.baseUrl).href, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => typeof window.trainBench === 'function');
    const choice = await page.evaluate(() => window.trainBenchReady);
    if (choice.name !== backend) return { where, error: `not available (${choice.reason})` };
    const opts: TrainBenchOptions = { chromosome: PAPER_BEST, batch: BATCH, ...PLAN[backend]!, profile: false };
    const r = await page.evaluate((o) => window.trainBench(o), opts);
    return { where, result: r };
  } catch (e) {
    return { where, error: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  } finally {
    await browser.close();
  }
}

function torchReference(log: (m: string) => void): { imagesPerSecond: number; msPerStep: number; threads: number; torch: string } | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  log('pytorch reference');
  try {
    const script = path.resolve(import.meta.dirname, 'torch_reference.py');
    const out = execFileSync(PYTHON, [script, JSON.stringify(PAPER_BEST), String(BATCH), '3', '20'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop() ?? '{}');
  } catch (e) {
    return `PyTorch unavailable: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

const f1 = (n: number): string => n.toFixed(1);

/** Runs the training benchmark and renders its BENCHMARKS.md section. */
export async function run(ctx: BenchContext): Promise<BenchSection> {
  const torch = torchReference(ctx.log);
  const { row: nodeRow, perCandidate } = await inNode(ctx.log);
  const rows: Row[] = [nodeRow];
  for (const backend of ['wasm', 'webgl', 'webgpu']) {
    ctx.log(`chromium ${backend}`);
    rows.push(await inChromium(ctx, backend));
  }
  const ref = typeof torch === 'string' ? null : torch;
  const chromeWasm = rows.find((r) => r.where.startsWith('Chromium, wasm'))?.result;
  const ratio = ref && chromeWasm ? chromeWasm.imagesPerSecond / ref.imagesPerSecond : null;
  const lines: string[] = [];
  lines.push(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${os.platform()} ${os.release()}; ${new Date().toISOString().slice(0, 10)}.`);
  lines.push(`Network: the paper's best chromosome (Table 2; ${PAPER_BEST.conv.map((g) => `${g.filters}@${g.kernel}x${g.kernel} ${g.activation}`).join(', ')}; Adagrad 0.007), dense 256, batch ${BATCH}, 48x48x1, random inputs.`);
  lines.push('');
  lines.push('| where | img/s | ms/step | timed steps | warm-up s | ratio to PyTorch |');
  lines.push('|---|---|---|---|---|---|');
  for (const r of rows) {
    if (!r.result) {
      lines.push(`| ${r.where} | - | - | - | - | ${r.error ?? ''} |`);
      continue;
    }
    const x = r.result;
    lines.push(`| ${r.where} | ${f1(x.imagesPerSecond)} | ${x.msPerStep.toFixed(0)} | ${x.timedSteps} | ${f1(x.warmupSeconds)} | ${ref ? `${(x.imagesPerSecond / ref.imagesPerSecond).toFixed(2)}x` : '-'} |`);
  }
  lines.push(ref ? `| PyTorch ${ref.torch} CPU, ${ref.threads} thread(s) (reference) | ${f1(ref.imagesPerSecond)} | ${ref.msPerStep.toFixed(0)} | 20 | - | 1.00x |` : `| PyTorch CPU | - | - | - | - | ${torch as string} |`);
  lines.push('');
  lines.push(ratio === null ? 'Ratio wasm-in-Chromium / PyTorch: not measured.' : `**wasm in Chromium / PyTorch CPU = ${ratio.toFixed(2)}x** (target >= 0.25x, stretch 0.5x).`);
  const kernels = nodeRow.result?.kernels ?? [];
  const total = kernels.reduce((a, k) => a + k.ms, 0);
  if (kernels.length) {
    lines.push('');
    lines.push(`One profiled wasm step in Node (${total.toFixed(0)} ms in kernels), largest first:`);
    lines.push('');
    lines.push('| kernel | ms | share |');
    lines.push('|---|---|---|');
    for (const k of kernels.slice(0, 8)) lines.push(`| ${k.name} | ${k.ms.toFixed(1)} | ${((100 * k.ms) / Math.max(total, 1e-9)).toFixed(0)}% |`);
  }
  lines.push('');
  lines.push('Seconds per candidate (Node, wasm, synthetic sample, 1 epoch, batch 32, validation included):');
  lines.push('');
  lines.push('| network | training images | seconds |');
  lines.push('|---|---|---|');
  for (const c of perCandidate) lines.push(`| ${c.name} | ${c.images} | ${f1(c.seconds)} |`);
  lines.push('');
  lines.push('WebGL and WebGPU run on SwiftShader here (no GPU): they prove the code path, not GPU speed.');
  return {
    title: 'Training throughput (paper-best chromosome)',
    markdown: lines.join('\n'),
    data: { batch: BATCH, rows, torch, ratioWasmChromiumToTorch: ratio, perCandidate },
  };
}

export default { run } satisfies BenchModule;


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runStandalone('training', run);
