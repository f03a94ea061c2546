/**
 * Seconds per candidate through runEvolution in Node on the wasm backend, for micro settings and for the default
 * network settings (filters up to 1024), on a few images per class of the small FER2013 file; plus memory
 * (process RSS and heap, tf.memory() after each candidate) and a same-run reference: wasm matmul GFLOP/s.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parseFer2013 } from '../src/data/fer2013';
import { makeSplits } from '../src/data/splits';
import type { Dataset } from '../src/data/dataset';
import { configureWasm } from '../src/ml/backend';
import { RunController } from '../src/experiment/control';
import { runEvolution } from '../src/experiment/run';
import { trainingSettings } from '../src/settings';
import { nodeWasmOptions } from '../cli/wasm';
import { PAPER_BEST } from '../src/ga/chromosome';
import { trainCandidate } from '../src/ml/train';
import type { RunConfig, RunEvent } from '../src/experiment/types';
import { referenceGflops } from './reference';
import type { BenchContext, BenchSection } from './types';

/** Images in the canonical FER2013 training set: what one epoch costs in the paper's setting. */
const FER_TRAIN = 28_709;

interface CandidateFigure {
  readonly label: string;
  readonly seconds: number;
  readonly params: number;
  readonly imagesPerSecond: number;
  readonly status: string;
  readonly numTensorsAfter: number;
  readonly rssMB: number;
}

interface CaseResult {
  readonly name: string;
  readonly settings: string;
  readonly trainImages: number;
  readonly valImages: number;
  readonly candidates: CandidateFigure[];
  readonly peakRssMB: number;
  readonly heapUsedMB: number;
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

async function runCase(
  name: string,
  settings: string,
  data: Dataset,
  config: RunConfig,
  log: (m: string) => void,
): Promise<CaseResult> {
  const { splits } = makeSplits(data, { mode: 'paper-clean', seed: config.seed, perClassCap: config.perClass });
  const candidates: CandidateFigure[] = [];
  let peak = process.memoryUsage().rss;
  let lastIps = 0;
  const emit = (e: RunEvent): void => {
    if (e.type === 'progress') {
      lastIps = e.progress.imagesPerSecond;
      peak = Math.max(peak, process.memoryUsage().rss);
    } else if (e.type === 'evaluated') {
      const rss = process.memoryUsage().rss;
      peak = Math.max(peak, rss);
      candidates.push({
        label: e.chromosome.conv.map((g) => `${g.filters}/${g.kernel}`).join(' '),
        seconds: e.seconds,
        params: e.params,
        imagesPerSecond: lastIps,
        status: e.status,
        numTensorsAfter: tf.memory().numTensors,
        rssMB: mb(rss),
      });
      log(
        `candidate ${name} #${candidates.length}: ${e.status} in ${e.seconds.toFixed(1)} s, ${lastIps.toFixed(0)} img/s`,
      );
    }
  };
  await runEvolution({
    config,
    data,
    splits,
    backend: { name: 'wasm', reason: 'bench', software: false },
    control: new RunController(),
    emit,
  });
  return {
    name,
    settings,
    trainImages: splits.train.length,
    valImages: splits.val.length,
    candidates,
    peakRssMB: mb(peak),
    heapUsedMB: mb(process.memoryUsage().heapUsed),
  };
}

/** The bench module's entry (see bench/types.ts). */
export async function run(ctx: BenchContext): Promise<BenchSection> {
  configureWasm(undefined, await nodeWasmOptions());
  await tf.setBackend('wasm');
  await tf.ready();
  const file = path.join(ctx.sharedData, 'fer2013-small.csv');
  const parsed = await parseFer2013(createReadStream(file), { seed: 1 });
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
  const data = parsed.dataset;
  const gflops = await referenceGflops();
  ctx.log(`reference: ${gflops.toFixed(2)} GFLOP/s (256x256 matmul, wasm)`);

  const base: RunConfig = {
    seed: 1,
    populationSize: 3,
    generations: 0,
    crossoverRate: 0.2,
    mutationRate: 0.1,
    maxFilters: 4,
    epochs: 1,
    batchSize: 32,
    patience: 0,
    augmentFlip: false,
    network: { denseUnits: 256, dropoutConv: 0.25, dropoutDense: 0.5 },
    perClass: 10,
  };
  const cases = [
    await runCase('micro', 'max filters 4, 10 images per class, 1 epoch', data, base, ctx.log),
    // The lab's defaults draw filters up to 1024 per layer: a few images keep this to minutes on a CPU.
    await runCase(
      'default',
      'max filters 1024 (default), 2 images per class, 1 epoch',
      data,
      { ...base, populationSize: 4, maxFilters: 1024, perClass: 2 },
      ctx.log,
    ),
  ];

  // The paper's best chromosome (Table 2) on the default network settings: a fixed, representative network.
  {
    const config: RunConfig = { ...base, maxFilters: 1024, perClass: 8 };
    const { splits } = makeSplits(data, { mode: 'paper-clean', seed: 1, perClassCap: config.perClass });
    const { result, model } = await trainCandidate({
      chromosome: PAPER_BEST,
      data,
      train: splits.train,
      val: splits.val,
      settings: trainingSettings(config),
      seed: 1,
    });
    model?.dispose();
    const rss = process.memoryUsage().rss;
    ctx.log(
      `paper best: ${result.status} in ${result.seconds.toFixed(1)} s, ${result.imagesPerSecond.toFixed(0)} img/s`,
    );
    cases.push({
      name: 'paper best',
      settings: "the paper's Table 2 chromosome, default network, 8 images per class, 1 epoch (trainCandidate)",
      trainImages: splits.train.length,
      valImages: splits.val.length,
      peakRssMB: mb(rss),
      heapUsedMB: mb(process.memoryUsage().heapUsed),
      candidates: [
        {
          label: PAPER_BEST.conv.map((g) => `${g.filters}/${g.kernel}`).join(' '),
          seconds: result.seconds,
          params: result.params,
          imagesPerSecond: result.imagesPerSecond,
          status: result.status,
          numTensorsAfter: tf.memory().numTensors,
          rssMB: mb(rss),
        },
      ],
    });
  }

  const rows: string[] = [];
  for (const c of cases) {
    for (const k of c.candidates) {
      const epochFull = k.imagesPerSecond > 0 ? FER_TRAIN / k.imagesPerSecond : NaN;
      rows.push(
        `| ${c.name} | ${k.label} | ${k.params.toLocaleString('en-US')} | ${k.status} | ${k.seconds.toFixed(2)} | ${k.imagesPerSecond.toFixed(1)} | ` +
          `${(k.imagesPerSecond / gflops).toFixed(2)} | ${Number.isFinite(epochFull) ? `${(epochFull / 60).toFixed(1)} min` : '–'} | ${k.numTensorsAfter} | ${k.rssMB} |`,
      );
    }
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const summary = cases.map((c) => {
    const s = mean(c.candidates.map((k) => k.seconds));
    return `| ${c.name} | ${c.settings} | ${c.trainImages} / ${c.valImages} | ${s.toFixed(2)} | ${(s * gflops).toFixed(1)} | ${c.peakRssMB} | ${c.heapUsedMB} |`;
  });
  const markdown = [
    `Candidates trained through \`runEvolution\` in Node on the wasm backend (one thread), on \`fer2013-small.csv\` (paper-clean split, seed 1).`,
    `Hardware reference measured in the same run: **${gflops.toFixed(2)} GFLOP/s** (256x256 float32 matmul on wasm). `,
    'Ratios below divide by it, so they compare across machines better than raw seconds.',
    '',
    '| case | settings | train / val images | mean s per candidate | s x ref GFLOP/s | peak RSS MB | heap MB |',
    '|---|---|---|---|---|---|---|',
    ...summary,
    '',
    'Per candidate (filters/kernel of the six conv layers; img/s is training throughput; "full epoch" extrapolates to the 28,709 canonical training images at that rate; tensors = tf.memory().numTensors after the candidate, which stays flat when nothing leaks):',
    '',
    '| case | conv filters/kernel | params | status | seconds | img/s | img/s per ref GFLOP/s | full epoch | tensors after | RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  return { title: 'Seconds per candidate and memory (Node, wasm)', markdown, data: { referenceGflops: gflops, cases } };
}
