/**
 * Before/after comparison of two checkouts' trainers (trainCandidate): one candidate at a time, alternating the two
 * checkouts round by round so that they share the machine's load; medians, the ratio and whether the returned weights
 * are bit-for-bit equal. Node wasm (1 thread) and cpu, Chromium wasm and WebGPU (SwiftShader).
 *
 *   git worktree add --detach /tmp/before <commit> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npx tsx bench/sync-points.ts /tmp/before [rounds] [node-wasm,node-cpu,chromium-wasm,chromium-webgpu]
 *
 * This checkout's trainer bench files (bench/trainer-node.ts, bench/pages/trainer*) are copied into the other
 * checkout when it has none. Both are built (dist-sync-points) and served on ports EVOLAB_BENCH_PORT and the next one
 * (default 4341); EVOLAB_SYNC_REUSE=1 serves the builds of an earlier call. Prints a markdown table.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import type { Chromosome } from '../src/ga/chromosome';
import { findChromium } from '../scripts/ensure-chromium.mjs';
import type { TrainerBenchOptions, TrainerBenchResult } from './pages/trainer-core';
import { median } from './stats';

const FILES = [
  'bench/trainer-node.ts',
  'bench/pages/trainer-core.ts',
  'bench/pages/trainer-worker.ts',
  'bench/pages/trainer.ts',
  'bench/pages/trainer.html',
];
const BASE_ARGS = [
  '--headless=new',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];

const micro = (filters: number, optimizer: Chromosome['optimizer']): Chromosome => ({
  conv: Array.from({ length: 6 }, () => ({ filters, kernel: 3, activation: 'relu' as const })),
  optimizer,
  learningRate: 0.001,
});

interface Case {
  readonly where: 'node' | 'chromium';
  readonly backend: 'wasm' | 'cpu' | 'webgpu';
  readonly options: TrainerBenchOptions;
  readonly label: string;
}

const CASES: Case[] = [
  {
    where: 'node',
    backend: 'wasm',
    label: '6 x 4 filters, batch 32, 2 epochs',
    options: { chromosome: micro(4, 'adam'), batch: 32, perClass: 100, epochs: 2, denseUnits: 32 },
  },
  {
    where: 'node',
    backend: 'cpu',
    label: '6 x 2 filters, batch 8, 1 epoch',
    options: { chromosome: micro(2, 'adam'), batch: 8, perClass: 20, epochs: 1, denseUnits: 16 },
  },
  {
    where: 'chromium',
    backend: 'wasm',
    label: '6 x 4 filters, batch 32, 2 epochs',
    options: { chromosome: micro(4, 'adam'), batch: 32, perClass: 100, epochs: 2, denseUnits: 32 },
  },
  {
    where: 'chromium',
    backend: 'webgpu',
    label: '6 x 2 filters, batch 8, 1 epoch',
    options: { chromosome: micro(2, 'adam'), batch: 8, perClass: 20, epochs: 1, denseUnits: 16 },
  },
];

function build(root: string, port: number, log: (m: string) => void): ChildProcess {
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  if (process.env.EVOLAB_SYNC_REUSE !== '1') log(`vite build in ${root}`);
  if (process.env.EVOLAB_SYNC_REUSE !== '1')
    execFileSync(
      process.execPath,
      [vite, 'build', '--outDir', 'dist-sync-points', '--emptyOutDir', '--logLevel', 'warn'],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
  return spawn(
    process.execPath,
    [vite, 'preview', '--outDir', 'dist-sync-points', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: root, stdio: 'ignore' },
  );
}

function inNode(root: string, c: Case): TrainerBenchResult {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'bench/trainer-node.ts'), JSON.stringify(c.options), c.backend],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as TrainerBenchResult;
}

async function inChromium(url: string, c: Case): Promise<TrainerBenchResult> {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser = await chromium.launch({
    executablePath: findChromium() ?? '/usr/bin/chromium',
    ignoreDefaultArgs: ['--headless'],
    args: [...BASE_ARGS, ...(isRoot ? ['--no-sandbox'] : []), ...(c.backend === 'webgpu' ? WEBGPU_ARGS : [])],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(900_000);
    await page.goto(new URL(`bench/pages/trainer.html?backend=${c.backend}&threads=1`, url).href, {
      waitUntil: 'domcontentloaded',
    });
    await page.waitForFunction(() => typeof window.trainerBench === 'function');
    const choice = await page.evaluate(() => window.trainerBenchReady);
    if (choice.name !== c.backend) throw new Error(`${c.backend} not available (${choice.reason})`);
    return await page.evaluate((o) => window.trainerBench(o), c.options);
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`sync-points: ${m}\n`);
  const after = path.resolve(import.meta.dirname, '..');
  const before = path.resolve(process.argv[2] ?? '');
  const rounds = Number(process.argv[3] ?? 5);
  if (!process.argv[2] || !existsSync(path.join(before, 'src/ml/train.ts')))
    throw new Error('usage: npx tsx bench/sync-points.ts BEFORE_CHECKOUT [rounds]');
  for (const f of FILES) if (!existsSync(path.join(before, f))) copyFileSync(path.join(after, f), path.join(before, f));
  const commit = (root: string): string =>
    execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const port = Number(process.env.EVOLAB_BENCH_PORT ?? 4341);
  const roots = [
    { name: 'before', root: before, url: `http://127.0.0.1:${port}/` },
    { name: 'after', root: after, url: `http://127.0.0.1:${port + 1}/` },
  ];
  const servers = roots.map((r, i) => build(r.root, port + i, log));
  const load0 = os.loadavg()[0] ?? 0;
  const lines: string[] = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const only = process.argv[4]?.split(',');
    for (const c of CASES.filter((x) => !only || only.includes(`${x.where}-${x.backend}`))) {
      const runs: Record<string, TrainerBenchResult[]> = { before: [], after: [] };
      for (let i = 0; i < rounds; i++) {
        for (const r of i % 2 ? [...roots].reverse() : roots) {
          const res = c.where === 'node' ? inNode(r.root, c) : await inChromium(r.url, c);
          log(
            `${c.where} ${c.backend} ${r.name} #${i + 1}: ${res.status}, ${res.imagesPerSecond.toFixed(1)} img/s, ${res.seconds.toFixed(2)} s, ${res.batchEvents} batch events, weights ${res.weightsHash}`,
          );
          runs[r.name]?.push(res);
        }
      }
      const b = runs.before ?? [];
      const a = runs.after ?? [];
      const ipsB = median(b.map((x) => x.imagesPerSecond));
      const ipsA = median(a.map((x) => x.imagesPerSecond));
      const same = new Set([...b, ...a].map((x) => `${x.weightsHash} ${x.valLoss} ${x.valAccuracy}`)).size === 1;
      const images = median([...b, ...a].map((x) => x.trainImages));
      lines.push(
        `| ${c.where === 'node' ? `Node ${process.version}` : 'Chromium'}, ${c.backend}${c.backend === 'webgpu' ? ' (SwiftShader)' : ''} | ${c.label}, ${images} training images | ${ipsB.toFixed(1)} | ${ipsA.toFixed(1)} | ${(ipsA / ipsB).toFixed(2)}x | ${median(b.map((x) => x.seconds)).toFixed(2)} / ${median(a.map((x) => x.seconds)).toFixed(2)} | ${median(b.map((x) => x.batchEvents))} / ${median(a.map((x) => x.batchEvents))} | ${same ? 'yes' : '**no**'} |`,
      );
    }
  } finally {
    for (const s of servers) s.kill();
  }
  const load1 = os.loadavg()[0] ?? 0;
  process.stdout.write(
    [
      `Before ${commit(before)}, after ${commit(after)}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${os.cpus().length} cores, load average (1 min) ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end; ${rounds} runs of each, alternated; medians.`,
      '',
      '| where | candidate | img/s before | img/s after | after / before | s per candidate before / after | batch progress events before / after | identical weights and fitness |',
      '|---|---|---|---|---|---|---|---|',
      ...lines,
      '',
    ].join('\n'),
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`sync-points: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
