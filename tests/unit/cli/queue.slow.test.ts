/**
 * `evolve --queue` with `npm run worker` processes against a real Redis (tests/helpers/redis.ts): the run log and the
 * exported model equal the single-machine run's with two workers, with a worker killed mid-job, and across a stopped
 * and resumed coordinator.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withoutTimings } from '../../../src/experiment/runlog';
import { parseRunLog } from '../../../src/experiment/runlogParser';
import type { IndividualRecord } from '../../../src/experiment/types';
import { runCli, spawnCli, tempDir, type CliScript } from '../../helpers/cliRun';
import { writeFer2013Fixture } from '../../helpers/fer2013';
import { redisServerOrNotice, startRedis, type RedisServer } from '../../helpers/redis';

// Each test starts several Node processes with tfjs; on a busy 2-core machine that alone can take a minute.
const SLOW = 300_000;
const REDIS = redisServerOrNotice('queue tests (evolve --queue, npm run worker)');
const FIXTURE_DIR = tempDir('evolab-queue-fixture-').dir;
const CSV = writeFer2013Fixture(FIXTURE_DIR);
// Four candidates a phase, so that two workers both have work; tiny trainings keep the file under a minute or two.
const SETTINGS = [
  '--csv',
  CSV,
  '--gens',
  '1',
  '--epochs',
  '1',
  '--per-class',
  '3',
  '--max-filters',
  '4',
  '--seed',
  '7',
  '--split',
  'paper-clean',
];
const MICRO = [...SETTINGS, '--pop', '4'];

/** A spawned command whose stderr is kept and can be waited on line by line. */
class Proc {
  readonly child: ChildProcess;
  text = '';
  private readonly waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(script: CliScript, args: string[]) {
    // Its own process group, so that a SIGKILL takes the worker's sandboxed child processes with it, as a lost machine would.
    this.child = spawnCli(script, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (b: Buffer): void => {
      this.text += b.toString();
      for (const w of [...this.waiters]) {
        const m = this.text.match(w.re);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first match of `re` in the output so far or to come. */
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    const m = this.text.match(re);
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.waiters.push({ re, resolve }));
  }

  killGroup(signal: NodeJS.Signals): void {
    if (this.child.pid !== undefined && this.child.exitCode === null) {
      try {
        process.kill(-this.child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }
}

const tmp = tempDir('evolab-queue-').dir;
let redis: RedisServer | null = null;
const procs: Proc[] = [];
const start = (script: CliScript, args: string[]): Proc => {
  const p = new Proc(script, args);
  procs.push(p);
  return p;
};
const worker = (...extra: string[]): Proc =>
  start('worker', ['--queue', (redis as RedisServer).url, '--csv', CSV, ...extra]);
const evolve = (...args: string[]): Proc => start('evolve', args);
const readLog = (dir: string): unknown => withoutTimings(parseRunLog(readFileSync(path.join(dir, 'run.json'), 'utf8')));
const modelFiles = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(path.join(dir, 'model')).map((f) => [f, readFileSync(path.join(dir, 'model', f)).toString('base64')]),
  );
/** Job ids each worker reports as trained to completion, across all the given workers' output. */
const trainedJobs = (...ws: Proc[]): string[] =>
  ws.flatMap((w) => [...w.text.matchAll(/^worker: (\S+) trained:/gm)].map((m) => m[1] as string));

describe.skipIf(REDIS === undefined)('evolve --queue with npm run worker (real Redis)', () => {
  beforeAll(async () => {
    redis = await startRedis(REDIS as string);
    // The single-machine run every queued run must equal.
    const r = runCli('evolve', [...MICRO, '--out', path.join(tmp, 'local')]);
    expect(r.stderr).toMatch(/evolve: done/);
  });
  beforeEach(async () => {
    const c = new Redis((redis as RedisServer).url);
    await c.flushall();
    c.disconnect();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) {
      p.killGroup('SIGKILL');
      await p.exited;
    }
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it(
    'two workers and a coordinator give the single-machine run.json and model',
    async () => {
      const [a, b] = [worker(), worker()];
      await Promise.all([a.waitFor(/listening on/), b.waitFor(/listening on/)]);
      const out = path.join(tmp, 'two');
      const coord = evolve(...MICRO, '--out', out, '--queue', (redis as RedisServer).url);
      expect(await coord.exited).toBe(0);
      expect(coord.text).toMatch(/trainings go to the queue at redis:\/\/127\.0\.0\.1:\d+ as run r[0-9a-f]{10}/);
      expect(readLog(out)).toEqual(readLog(path.join(tmp, 'local')));
      expect(modelFiles(out)).toEqual(modelFiles(path.join(tmp, 'local')));
      // Both machines trained, and no job was trained twice.
      const jobs = trainedJobs(a, b);
      expect(trainedJobs(a).length).toBeGreaterThan(0);
      expect(trainedJobs(b).length).toBeGreaterThan(0);
      expect(new Set(jobs).size).toBe(jobs.length);
    },
    SLOW,
  );

  it(
    'a worker killed with SIGKILL during a training: reported quiet, its job taken by another worker, identical result',
    async () => {
      // A short lock, so that the killed worker's job is found stalled within seconds.
      const a = worker('--lock-ms', '2000');
      await a.waitFor(/listening on/);
      const out = path.join(tmp, 'killed');
      const coord = evolve(...MICRO, '--out', out, '--queue', (redis as RedisServer).url);
      const job = (await a.waitFor(/^worker: training (\S+)/m))[1] as string;
      a.killGroup('SIGKILL');
      expect(await a.exited).toBeNull();
      await coord.waitFor(/worker \S+ pid \d+ has gone quiet \(nothing heard for \d+ s\)/);
      // Another machine joins: it finds the dead worker's job stalled, trains it and the rest.
      const b = worker('--lock-ms', '2000');
      expect(await coord.exited).toBe(0);
      expect(readLog(out)).toEqual(readLog(path.join(tmp, 'local')));
      expect(modelFiles(out)).toEqual(modelFiles(path.join(tmp, 'local')));
      expect(trainedJobs(a)).not.toContain(job);
      expect(trainedJobs(b)).toContain(job);
      expect(b.text).toContain(`${job} stalled`);
    },
    SLOW,
  );

  it(
    'a coordinator stopped and resumed with --resume: identical result, no job trained twice to completion',
    async () => {
      const [a, b] = [worker(), worker()];
      await Promise.all([a.waitFor(/listening on/), b.waitFor(/listening on/)]);
      const out = path.join(tmp, 'resumed');
      const first = evolve(...MICRO, '--out', out, '--queue', (redis as RedisServer).url);
      await first.waitFor(/phase 1\/2 candidate \d\/4 trained/);
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(130);
      expect(first.text).toMatch(/resume with: npm run evolve -- --resume --out .* --queue redis:/);
      const second = evolve('--resume', '--out', out, '--queue', (redis as RedisServer).url);
      expect(await second.exited).toBe(0);
      expect(second.text).toMatch(/resuming the run/);
      expect(readLog(out)).toEqual(readLog(path.join(tmp, 'local')));
      expect(modelFiles(out)).toEqual(modelFiles(path.join(tmp, 'local')));
      const jobs = trainedJobs(a, b);
      expect(new Set(jobs).size).toBe(jobs.length);
      // The resumed run went on with the same run id, so the jobs of phase 1 were not enqueued anew.
      expect(jobs.every((j) => j.startsWith(`${/as run (r[0-9a-f]{10})/.exec(first.text)?.[1] ?? 'none'}:`))).toBe(
        true,
      );
    },
    SLOW,
  );

  it(
    '--max-seconds holds on a worker as on this machine: a candidate past its time budget is stopped there and recorded over-budget',
    async () => {
      // Hundreds of epochs of 30 images per class cannot finish in a second, however fast the machine.
      const BUDGET = [
        '--csv',
        CSV,
        '--pop',
        '2',
        '--gens',
        '0',
        '--epochs',
        '500',
        '--per-class',
        '30',
        '--max-filters',
        '4',
        '--seed',
        '3',
        '--split',
        'paper-clean',
        '--max-seconds',
        '1',
      ];
      const localOut = path.join(tmp, 'budget-local');
      const local = runCli('evolve', [...BUDGET, '--out', localOut]);
      expect(local.status).toBe(0);
      const w = worker();
      await w.waitFor(/listening on/);
      const out = path.join(tmp, 'budget');
      const coord = evolve(...BUDGET, '--out', out, '--queue', (redis as RedisServer).url);
      expect(await coord.exited).toBe(0);
      const individuals = (dir: string): IndividualRecord[] =>
        parseRunLog(readFileSync(path.join(dir, 'run.json'), 'utf8')).phases.flatMap((p) => p.individuals);
      for (const dir of [localOut, out]) {
        const inds = individuals(dir);
        expect(inds).toHaveLength(2);
        for (const ind of inds) {
          expect(ind).toMatchObject({ status: 'over-budget', reason: 'ran past its time budget of 1 s' });
          expect(ind.epochsTrained).toBeLessThan(500);
          expect(ind.seconds).toBeGreaterThanOrEqual(1);
        }
      }
      // The worker trained both (and stopped them), not the coordinator.
      for (const i of [0, 1])
        expect(w.text).toMatch(
          new RegExp(`^worker: r[0-9a-f]{10}:0:${i} over-budget: ran past its time budget of 1 s`, 'm'),
        );
    },
    SLOW,
  );

  it(
    'a worker on another CSV refuses the run with a clear message, and the candidate fails after the configured attempts',
    async () => {
      const other = writeFer2013Fixture(
        FIXTURE_DIR,
        { training: 20, publicTest: 5, privateTest: 5, seed: 99 },
        'other.csv',
      );
      const w = start('worker', ['--queue', (redis as RedisServer).url, '--csv', other]);
      await w.waitFor(/listening on/);
      const out = path.join(tmp, 'refused');
      const coord = evolve(
        ...SETTINGS,
        '--pop',
        '2',
        '--out',
        out,
        '--queue',
        (redis as RedisServer).url,
        '--queue-attempts',
        '2',
      );
      await coord.waitFor(/has other data \(other\.csv/);
      await coord.waitFor(/refused by \S+ pid \d+: its CSV .*other\.csv .* is not the run's data fer2013-fixture\.csv/);
      await coord.waitFor(/candidate 1\/2 failed \(refused by [^\n]*on the queue, after 2 attempts\)/);
      // Both attempts were made (and refused) before the candidate failed.
      const refusals = await w.waitFor(/(:0:0 failed: refused[\s\S]*){2}/);
      expect(refusals[0]).toMatch(/other\.csv/);
      coord.child.kill('SIGINT');
      await coord.exited;
    },
    SLOW,
  );
});

describe('evolve --queue refusals that need no Redis', () => {
  it(
    'refuses --queue with --fidelity halving as a usage error, before connecting',
    () => {
      // Port 1 on loopback: nothing listens there, so a connection attempt would fail with another message.
      const r = runCli('evolve', [
        ...MICRO,
        '--fidelity',
        'halving',
        '--out',
        path.join(FIXTURE_DIR, 'halving'),
        '--queue',
        'redis://127.0.0.1:1',
      ]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(
        /^evolve: --queue trains full-fidelity runs only: successive halving continues each training from a state kept in this process; run --fidelity halving without --queue, or --fidelity full with it/,
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    },
    SLOW,
  );
});
