/**
 * `npm run bench -- search`: what a search spends to find its best network. GA with full training, GA with successive
 * halving and random search (full training), three seeds each, same population, phases and epochs, on one fixed real
 * FER2013 subset (canonical splits capped per class with a fixed seed, drawn from the full file), in Node on wasm.
 * Reports per strategy the best validation accuracy, the PrivateTest accuracy of the best, the trainings, the training
 * seconds and the seconds to first come within a point of the GA-full run's final best (same seed); draws the best
 * so far against cumulative training seconds as an SVG (docs/benchmarks/search.svg). For a short check,
 * SEARCH_BENCH_SEEDS="1" and SEARCH_BENCH_CONFIG='{"populationSize":3,"epochs":2}' narrow it.
 */
import { appendFileSync, createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parseFer2013 } from '../src/data/fer2013';
import { makeSplits } from '../src/data/splits';
import type { Dataset, Splits } from '../src/data/dataset';
import { configureWasm } from '../src/ml/backend';
import { RunController } from '../src/experiment/control';
import { runEvolution } from '../src/experiment/run';
import { RunLogBuilder } from '../src/experiment/runlogBuilder';
import type { RunLog } from '../src/experiment/runlog';
import type { RunConfig } from '../src/experiment/types';
import { bestVsSeconds, secondsToReach, type CostPoint } from '../src/experiment/curves';
import { DEFAULT_RUN_CONFIG } from '../src/settings';
import { nodeWasmOptions } from '../cli/wasm';
import type { BenchContext, BenchSection } from './types';

/** Images per class per split of the subset, and the seed that draws them: the same subset for every run. */
const PER_CLASS = 40;
const SUBSET_SEED = 2024;
/** Within this of the GA-full run's best counts as reaching it (the issue's target: within 1 point). */
const TOLERANCE = 0.01;
const SVG_PATH = 'docs/benchmarks/search.svg';
/** Each search's figures as soon as it ends, one JSON line each: a bench stopped part-way keeps what it measured. */
const RUNS_FILE = 'bench-out/search-runs.jsonl';

/** The settings every strategy shares; only strategy, fidelity and seed change. */
const BASE: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  split: 'canonical',
  perClass: PER_CLASS,
  populationSize: 9,
  generations: 2,
  epochs: 4,
  maxFilters: 8,
  batchSize: 32,
  patience: 0,
  eta: 3,
};

const STRATEGIES = [
  { id: 'ga-full', label: 'GA, full training', colour: '#2563eb', config: { strategy: 'ga', fidelity: 'full' } },
  {
    id: 'ga-halving',
    label: 'GA + successive halving (η 3)',
    colour: '#16a34a',
    config: { strategy: 'ga', fidelity: 'halving' },
  },
  {
    id: 'random',
    label: 'Random search, full training',
    colour: '#c2410c',
    config: { strategy: 'random', fidelity: 'full' },
  },
] as const satisfies readonly { id: string; label: string; colour: string; config: Partial<RunConfig> }[];
type StrategyId = (typeof STRATEGIES)[number]['id'];

interface RunFigures {
  readonly strategy: StrategyId;
  readonly seed: number;
  readonly bestVal: number | null;
  readonly bestTest: number | null;
  readonly trainings: number;
  readonly seconds: number;
  /** Seconds to first come within TOLERANCE of the same seed's GA-full final best; null if never. */
  readonly secondsToGaBest: number | null;
  readonly curve: CostPoint[];
}

/** The bench's settings, narrowed by SEARCH_BENCH_SEEDS (e.g. "1") and SEARCH_BENCH_CONFIG (JSON over the shared settings) for short checks. */
function settings(): { seeds: number[]; base: RunConfig } {
  const seeds = (process.env.SEARCH_BENCH_SEEDS ?? '1,2,3').split(',').map(Number);
  const base = { ...BASE, ...(JSON.parse(process.env.SEARCH_BENCH_CONFIG ?? '{}') as Partial<RunConfig>) };
  return { seeds, base };
}

async function loadFull(ctx: BenchContext): Promise<Dataset> {
  const candidates = [
    process.env.FER2013_CSV,
    path.join(ctx.sharedData, 'fer2013.csv.gz'),
    path.join(ctx.sharedData, 'fer2013.csv'),
  ];
  const file = candidates.find((f): f is string => f !== undefined && f !== '' && existsSync(f));
  if (!file)
    throw new Error(`the full FER2013 file is needed: set FER2013_CSV or put fer2013.csv.gz in ${ctx.sharedData}`);
  const parsed = await parseFer2013(createReadStream(file, { highWaterMark: 1 << 20 }), {
    totalBytes: statSync(file).size,
    name: path.basename(file),
  });
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error}`);
  if (parsed.dataset.count < 30_000)
    throw new Error(`${file} has ${parsed.dataset.count} images: the bench draws its subset from the full file`);
  return parsed.dataset;
}

async function search(data: Dataset, splits: Splits, config: RunConfig): Promise<RunLog> {
  const builder = new RunLogBuilder({
    dataset: {
      name: data.name,
      synthetic: false,
      count: data.count,
      split: 'canonical',
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
    },
  });
  const result = await runEvolution({
    config,
    data,
    splits,
    backend: { name: 'wasm', reason: 'bench', software: false },
    control: new RunController(),
    emit: (e) => builder.add(e),
  });
  if (result.outcome !== 'done') throw new Error(`a search ended ${result.outcome}`);
  return builder.toJSON();
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const secs = (x: number | null): string => (x === null ? 'never' : `${x.toFixed(0)} s`);

/** Best so far (percent) against cumulative training seconds, one stepped line per run, a colour per strategy and a dash per seed. */
export function costSvg(runs: readonly RunFigures[], seeds: readonly number[]): string {
  const W = 760;
  const H = 420;
  const m = { l: 60, r: 20, t: 30, b: 90 };
  const maxS = Math.max(1, ...runs.map((r) => r.seconds));
  const values = runs.flatMap((r) => r.curve.map((p) => p.best).filter((b): b is number => b !== null));
  const lo = Math.max(0, Math.floor((Math.min(...values, 1) * 100 - 2) / 5) * 5);
  const hi = Math.min(100, Math.ceil((Math.max(...values, 0) * 100 + 2) / 5) * 5);
  const x = (s: number): number => m.l + (s / maxS) * (W - m.l - m.r);
  const y = (v: number): number => m.t + (1 - (v - lo) / Math.max(1, hi - lo)) * (H - m.t - m.b);
  const dashes = ['', '6 3', '2 3', '8 3 2 3'];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    '<title>Best validation accuracy so far against cumulative training seconds, per strategy and seed</title>',
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
  ];
  for (let v = lo; v <= hi; v += 5) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${m.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}%</text>`);
  }
  const step = Math.max(1, 10 ** Math.floor(Math.log10(maxS / 4)));
  const tick = [1, 2, 5, 10].map((k) => k * step).find((t) => maxS / t <= 8) ?? step * 10;
  for (let s = 0; s <= maxS; s += tick) {
    out.push(`<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${m.t}" y2="${H - m.b}" stroke="#f3f4f6"/>`);
    out.push(`<text x="${x(s).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${s}</text>`);
  }
  out.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#6b7280"/>`,
  );
  out.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 34}" text-anchor="middle">cumulative training seconds</text>`,
  );
  out.push(
    `<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">best validation accuracy so far</text>`,
  );
  for (const r of runs) {
    const colour = STRATEGIES.find((s) => s.id === r.strategy)?.colour ?? '#000000';
    const dash = dashes[seeds.indexOf(r.seed) % dashes.length] ?? '';
    let d = '';
    let prev: number | null = null;
    for (const p of r.curve) {
      if (p.best === null) continue;
      const v = p.best * 100;
      d +=
        prev === null
          ? `M${x(p.seconds).toFixed(1)} ${y(v).toFixed(1)}`
          : `H${x(p.seconds).toFixed(1)}V${y(v).toFixed(1)}`;
      prev = v;
    }
    if (prev !== null) d += `H${x(r.seconds).toFixed(1)}`;
    if (d)
      out.push(
        `<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}><title>${r.strategy}, seed ${r.seed}</title></path>`,
      );
  }
  STRATEGIES.forEach((s, i) => {
    const lx = m.l + i * 230;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${H - 30}" y2="${H - 30}" stroke="${s.colour}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 30}" y="${H - 26}">${s.label}</text>`);
  });
  out.push(
    `<text x="${m.l}" y="${H - 8}">Seeds ${seeds.map((sd, i) => `${sd} ${['solid', 'dashed', 'dotted', 'dash-dot'][i % 4]}`).join(', ')}</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The bench module's entry (see bench/types.ts). */
export async function run(ctx: BenchContext): Promise<BenchSection> {
  configureWasm(undefined, await nodeWasmOptions());
  await tf.setBackend('wasm');
  await tf.ready();
  const { seeds, base } = settings();
  const data = await loadFull(ctx);
  const { splits } = makeSplits(data, { mode: 'canonical', seed: SUBSET_SEED, perClassCap: base.perClass });
  ctx.log(
    `subset: ${splits.train.length} train, ${splits.val.length} validation (PublicTest), ${splits.test.length} test (PrivateTest) images`,
  );
  const runs: RunFigures[] = [];
  const runsFile = path.join(ctx.repoRoot, RUNS_FILE);
  mkdirSync(path.dirname(runsFile), { recursive: true });
  writeFileSync(runsFile, '');
  for (const seed of seeds) {
    let gaBest: number | null = null;
    for (const s of STRATEGIES) {
      const t0 = performance.now();
      const log = await search(data, splits, { ...base, ...s.config, seed });
      const curve = bestVsSeconds(log);
      const end = curve[curve.length - 1] as CostPoint;
      if (s.id === 'ga-full') gaBest = end.best;
      const figures: RunFigures = {
        strategy: s.id,
        seed,
        bestVal: end.best,
        bestTest: log.best?.testAccuracy ?? null,
        trainings: end.trainings,
        seconds: end.seconds,
        secondsToGaBest: gaBest === null ? null : secondsToReach(curve, gaBest, TOLERANCE),
        curve,
      };
      runs.push(figures);
      appendFileSync(
        runsFile,
        `${JSON.stringify({ ...figures, curve: curve.map((p) => [p.seconds, p.best, p.trainings]) })}\n`,
      );
      ctx.log(
        `${s.id} seed ${seed}: best ${pct(figures.bestVal)} (test ${pct(figures.bestTest)}), ${figures.trainings} trainings, ${figures.seconds.toFixed(0)} training s, to GA-full's best ${secs(figures.secondsToGaBest)}; ${((performance.now() - t0) / 1000).toFixed(0)} s wall`,
      );
    }
  }
  mkdirSync(path.join(ctx.repoRoot, path.dirname(SVG_PATH)), { recursive: true });
  writeFileSync(path.join(ctx.repoRoot, SVG_PATH), costSvg(runs, seeds));

  const per = (id: StrategyId): RunFigures[] => runs.filter((r) => r.strategy === id);
  const gaSeconds = mean(per('ga-full').map((r) => r.seconds)) ?? 0;
  const rows = STRATEGIES.map((s) => {
    const rs = per(s.id);
    const reached = rs.map((r) => r.secondsToGaBest).filter((v): v is number => v !== null);
    const meanSeconds = mean(rs.map((r) => r.seconds)) ?? 0;
    return {
      id: s.id,
      label: s.label,
      bestVal: mean(rs.map((r) => r.bestVal ?? 0)),
      bestTest: mean(rs.map((r) => r.bestTest ?? 0)),
      trainings: mean(rs.map((r) => r.trainings)) ?? 0,
      seconds: meanSeconds,
      reached: reached.length,
      toGaBest: reached.length === rs.length ? mean(reached) : null,
      perSeed: rs.map((r) => `${pct(r.bestVal)} / ${secs(r.secondsToGaBest)}`).join(', '),
      ratio: gaSeconds > 0 ? meanSeconds / gaSeconds : null,
    };
  });
  const row = (id: StrategyId): (typeof rows)[number] => rows.find((r) => r.id === id) as (typeof rows)[number];
  const ga = row('ga-full');
  const halving = row('ga-halving');
  const random = row('random');
  const halvingVal = halving.bestVal ?? 0;
  const gaVal = ga.bestVal ?? 0;
  const halvingTarget = halvingVal >= gaVal - TOLERANCE && halving.seconds <= gaSeconds / 2;
  const gaBeatsRandom = gaVal > (random.bestVal ?? 0);

  const c = base;
  const markdown = [
    `Node ${process.version}, tfjs wasm backend, one process, run on a **shared machine** (other work was running on its cores: the seconds are noisy; the ratios between strategies are the figures to read). ` +
      `Subset: FER2013 canonical splits from the full file, at most ${c.perClass} images per class per split drawn with seed ${SUBSET_SEED} ` +
      `(${splits.train.length} training, ${splits.val.length} PublicTest for validation, ${splits.test.length} PrivateTest). ` +
      `Every run: population ${c.populationSize}, ${c.generations + 1} phases, ${c.epochs} epochs, filters up to ${c.maxFilters}, batch ${c.batchSize}, no early stopping; halving with η ${c.eta ?? 3}; seeds ${seeds.join(', ')}.`,
    '',
    'Means over the seeds. "Trainings" counts every call of the trainer (each rung of halving is one); "training seconds" adds the seconds of every training; ' +
      `"to GA-full's best" is the training seconds after which the run's best so far first came within ${TOLERANCE * 100} point of the same seed's GA-full final best (a mean only when every seed got there).`,
    '',
    "| strategy | best validation | PrivateTest of the best | trainings | training seconds | vs GA full | to GA-full's best | per seed: best / to GA-full's best |",
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${pct(r.bestVal)} | ${pct(r.bestTest)} | ${r.trainings.toFixed(1)} | ${r.seconds.toFixed(0)} s | ${r.ratio === null ? '–' : `${(r.ratio * 100).toFixed(0)}%`} | ${r.toGaBest === null ? `${r.reached} of ${seeds.length} seeds` : `${r.toGaBest.toFixed(0)} s`} | ${r.perSeed} |`,
    ),
    '',
    `Target (halving within 1 point of GA full's best validation accuracy, mean of the seeds, in at most half its training seconds): **${halvingTarget ? 'met' : 'not met'}** ` +
      `(halving ${pct(halving.bestVal)} in ${halving.seconds.toFixed(0)} s, GA full ${pct(ga.bestVal)} in ${gaSeconds.toFixed(0)} s).`,
    '',
    `GA against random search on this budget: **${gaBeatsRandom ? 'GA beats random search' : 'GA does not beat random search'}** ` +
      `(best validation ${pct(ga.bestVal)} against ${pct(random.bestVal)}, PrivateTest of the best ${pct(ga.bestTest)} against ${pct(random.bestTest)}, mean of ${seeds.length} seeds).`,
    '',
    `![Best validation accuracy so far against cumulative training seconds](${SVG_PATH})`,
    '',
    `Figure: [${SVG_PATH}](${SVG_PATH}), best so far (of networks trained the full epochs) against cumulative training seconds; a colour per strategy, a dash per seed.`,
  ].join('\n');
  return {
    title: 'Search cost: GA, successive halving and random search',
    markdown,
    data: {
      config: c,
      subsetSeed: SUBSET_SEED,
      split: { train: splits.train.length, val: splits.val.length, test: splits.test.length },
      runs: runs.map(({ curve, ...r }) => ({ ...r, curve: curve.map((p) => [p.seconds, p.best, p.trainings]) })),
      rows,
      halvingTarget,
      gaBeatsRandom,
    },
  };
}
