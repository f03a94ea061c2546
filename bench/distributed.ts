/**
 * `npm run bench -- distributed`: the same micro search run by `evolve` alone, then by `evolve --queue` with 1 and
 * with 2 `npm run worker` processes on this machine against a local redis-server: wall times, their ratio, and per job
 * the pick-up latency (enqueue, or the worker becoming free, to start) and the processor's overhead around training.
 * From those, the expected time of a phase on N machines.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { withoutTimings } from '../src/experiment/runlog';
import { parseRunLog } from '../src/experiment/runlogParser';
import { QUEUE_NAME, type CandidateJob, type CandidateOutcome } from '../cli/queue/shared';
import { writeFer2013Fixture } from '../tests/helpers/fer2013';
import { redisServerOrNotice, startRedis } from '../tests/helpers/redis';
import { median } from './stats';
import type { BenchContext, BenchSection } from './types';

const SEARCH = [
  '--pop',
  '6',
  '--gens',
  '1',
  '--epochs',
  '1',
  '--per-class',
  '40',
  '--max-filters',
  '8',
  '--seed',
  '11',
  '--split',
  'paper-clean',
];

interface Proc {
  readonly text: () => string;
  readonly exited: Promise<number | null>;
  readonly ready: (re: RegExp) => Promise<void>;
  readonly kill: () => void;
}

function start(repo: string, script: string, args: string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repo,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const onData = (b: Buffer): void => {
    text += b.toString();
    for (const w of [...waiters]) {
      if (w.re.test(text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    text: () => text,
    exited,
    ready: (re) => (re.test(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ re, resolve }))),
    kill: () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    },
  };
}

interface JobFigure {
  readonly id: string;
  readonly worker: string;
  readonly enqueued: number;
  readonly started: number;
  readonly finished: number;
  readonly trainingSeconds: number;
}

interface CaseFigures {
  readonly workers: number;
  readonly wallSeconds: number;
  readonly jobs: JobFigure[];
  /** Start minus the later of enqueue and the worker's previous finish: how long a free worker took to begin a waiting job. */
  readonly pickupMs: number[];
  /** finished - started - training seconds, after each worker's first job (whose child process and backend start then). */
  readonly processorMs: number[];
  readonly firstJobStartupMs: number[];
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

async function jobFigures(url: string, run: string): Promise<JobFigure[]> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue<CandidateJob, CandidateOutcome>(QUEUE_NAME, { connection });
  try {
    const jobs = await queue.getJobs(['completed'], 0, -1);
    return jobs
      .filter((j) => String(j.id).startsWith(`${run}:`))
      .map((j) => ({
        id: String(j.id),
        worker: j.returnvalue.worker.id,
        enqueued: j.timestamp,
        started: j.processedOn ?? Number.NaN,
        finished: j.finishedOn ?? Number.NaN,
        trainingSeconds: j.returnvalue.seconds,
      }))
      .sort((a, b) => a.started - b.started);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

function analyse(workers: number, wallSeconds: number, jobs: JobFigure[]): CaseFigures {
  const pickupMs: number[] = [];
  const processorMs: number[] = [];
  const firstJobStartupMs: number[] = [];
  const lastFinish = new Map<string, number>();
  for (const j of jobs) {
    const prev = lastFinish.get(j.worker);
    pickupMs.push(j.started - Math.max(j.enqueued, prev ?? 0));
    const around = j.finished - j.started - j.trainingSeconds * 1000;
    (prev === undefined ? firstJobStartupMs : processorMs).push(around);
    lastFinish.set(j.worker, j.finished);
  }
  return { workers, wallSeconds, jobs, pickupMs, processorMs, firstJobStartupMs };
}

/** Runs the search; returns its wall time (spawn to exit of evolve) and output folder. */
async function timedEvolve(repo: string, args: string[]): Promise<{ seconds: number; text: string }> {
  const t0 = performance.now();
  const p = start(repo, 'cli/evolve.ts', args);
  const code = await p.exited;
  if (code !== 0) throw new Error(`evolve exited with ${String(code)}: ${p.text().slice(-800)}`);
  return { seconds: (performance.now() - t0) / 1000, text: p.text() };
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const binary = redisServerOrNotice('npm run bench -- distributed');
  if (binary === undefined) throw new Error('redis-server is not installed (Debian: apt-get install redis-server)');
  const tmp = mkdtempSync(path.join(tmpdir(), 'evolab-bench-distributed-'));
  const small = path.join(ctx.sharedData, 'fer2013-small.csv');
  const csv = existsSync(small) ? small : writeFer2013Fixture(tmp);
  const redis = await startRedis(binary);
  const load = (): string =>
    os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ');
  const loadBefore = load();
  const cases: CaseFigures[] = [];
  try {
    ctx.log(`single machine: evolve ${SEARCH.join(' ')}`);
    const local = await timedEvolve(ctx.repoRoot, ['--csv', csv, ...SEARCH, '--out', path.join(tmp, 'local')]);
    const localLog = JSON.stringify(
      withoutTimings(parseRunLog(readFileSync(path.join(tmp, 'local', 'run.json'), 'utf8'))),
    );
    for (const n of [1, 2]) {
      ctx.log(`${n} worker${n > 1 ? 's' : ''}`);
      const workers = Array.from({ length: n }, () =>
        start(ctx.repoRoot, 'cli/worker.ts', ['--queue', redis.url, '--csv', csv]),
      );
      try {
        await Promise.all(workers.map((w) => w.ready(/listening on/)));
        const out = path.join(tmp, `queue-${n}`);
        const r = await timedEvolve(ctx.repoRoot, ['--csv', csv, ...SEARCH, '--out', out, '--queue', redis.url]);
        const same =
          JSON.stringify(withoutTimings(parseRunLog(readFileSync(path.join(out, 'run.json'), 'utf8')))) === localLog;
        if (!same) throw new Error(`the run log with ${n} workers differs from the single-machine run's`);
        const run = /as run (r[0-9a-f]{10})/.exec(r.text)?.[1];
        if (run === undefined) throw new Error('evolve did not name its queue run');
        cases.push(analyse(n, r.seconds, await jobFigures(redis.url, run)));
      } finally {
        for (const w of workers) w.kill();
        await Promise.all(workers.map((w) => w.exited));
      }
    }
    const loadAfter = load();
    const [one, two] = cases as [CaseFigures, CaseFigures];
    const trainS = median(one.jobs.map((j) => j.trainingSeconds));
    const overheadMs = median([...one.pickupMs, ...two.pickupMs]) + median([...one.processorMs, ...two.processorMs]);
    const pop = 6;
    const perPhase = (n: number, t: number): number => Math.ceil(pop / n) * (t + overheadMs / 1000);
    const scaling = (t: number): string =>
      [1, 2, 3, 6, 12]
        .map(
          (n) =>
            `| ${t === trainS ? `${r1(t)} s (this bench)` : `${t} s`} | ${n} | ${r1(perPhase(n, t))} s | ${r1((pop * t) / perPhase(n, t))}x |`,
        )
        .join('\n');
    const row = (label: string, c: CaseFigures | null, wall: number): string =>
      c === null
        ? `| ${label} | ${r1(wall)} | ${r1(wall / local.seconds)} | – | – | – | – |`
        : `| ${label} | ${r1(wall)} | ${r1(wall / local.seconds)} | ${c.jobs.length} | ${Math.round(median(c.pickupMs))} (max ${Math.round(Math.max(...c.pickupMs))}) | ${Math.round(median(c.processorMs))} | ${Math.round(median(c.firstJobStartupMs))} |`;
    const markdown = [
      `The same micro search (\`npm run evolve -- --csv ${path.basename(csv)} ${SEARCH.join(' ')}\`, wasm) run by \`evolve\` alone, then by \`evolve --queue\` with 1 and 2 \`npm run worker\` processes on this machine against a local redis-server. Every queued run log equalled the single-machine run's (timings aside); the bench fails otherwise.`,
      `Load average (1 / 5 / 15 min) before: ${loadBefore}; after: ${loadAfter}. Wall times run back to back, so their ratio is the figure to read.`,
      '',
      '| run | wall s | ratio to single machine | jobs | pick-up ms, median | processor overhead ms, median | first job startup ms |',
      '|---|---|---|---|---|---|---|',
      row('evolve alone', null, local.seconds),
      row('--queue, 1 worker', one, one.wallSeconds),
      row('--queue, 2 workers', two, two.wallSeconds),
      '',
      `2 workers / 1 worker: **${r1(two.wallSeconds / one.wallSeconds)}** of the wall time. Median training ${r1(trainS)} s a candidate.`,
      '',
      "Pick-up: a job's start minus the later of its enqueue and its worker's previous finish (BullMQ's timestamps, one Redis on one clock). Processor overhead: finish minus start minus the training itself (data check, storing the weights, the progress writes), after each worker's first job; the first job also pays for forking the sandboxed process, loading the CSV and the wasm backend (last column). Each wall time includes evolve's own start (loading the CSV, the backend) and the final test evaluation.",
      '',
      `What 2 cores can show: the fixed cost the queue adds per job (pick-up plus processor overhead, about ${Math.round(overheadMs)} ms here, against ${r1(trainS)} s of training) and whether two workers overlap their trainings. On an idle 2-core machine two one-thread workers could at best halve the trainings' time (ratio 0.5 plus the fixed costs: evolve's start, each worker's first-job startup, the final test); with a 1-minute load average of ${loadBefore.split(' / ')[0] ?? '?'} on ${os.cpus().length} cores during this run, other programs competed for the same cores, so the ratio measured here (${r1(two.wallSeconds / one.wallSeconds)}) may understate what two otherwise idle cores give, and it varies from run to run. What 2 cores cannot show: scaling beyond 2 (a third worker only shares the same cores), network latency (Redis is local) or the transfer of a large model's weights.`,
      '',
      `Expected time of one phase of ${pop} candidates on N machines (one worker each), ceil(${pop}/N) x (training + ${Math.round(overheadMs)} ms), since the generational GA waits for a phase's last candidate; for paper-size candidates (minutes each) the per-job overhead vanishes and the speed-up is ${pop}/ceil(${pop}/N), at most the population size:`,
      '',
      '| training per candidate | machines | phase | speed-up |',
      '|---|---|---|---|',
      scaling(trainS),
      scaling(600),
    ].join('\n');
    return {
      title: 'Distributed evaluation (evolve --queue, BullMQ on Redis)',
      markdown,
      data: {
        search: SEARCH,
        csv: path.basename(csv),
        localSeconds: local.seconds,
        cases,
        overheadMs,
        trainSeconds: trainS,
        loadBefore,
        loadAfter,
      },
    };
  } finally {
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
