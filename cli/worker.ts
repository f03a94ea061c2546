/**
 * `npm run worker -- --queue redis://HOST:PORT --csv FILE [--backend wasm|cpu] [--concurrency N]`: trains the
 * candidates that `evolve --queue` runs put on the queue, for any run whose data is this machine's CSV. Each training
 * runs in a sandboxed child process (cli/queue/processor.ts) so that the job's lock is renewed however long it takes.
 * Exit codes: 0 stopped cleanly, 1 bad file or unreachable Redis, 2 usage error, 130 quit at once by a second signal.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import { datasetSha256 } from '../src/persist/hash';
import { loadCsv, runCommand } from './node';
import { optionsHelp, parseCommandLine, type CommandOptions } from './flags';
import { CliError, EXIT_STOPPED } from './outputs';
import {
  ENV_BACKEND,
  ENV_CSV,
  ENV_URL,
  ENV_WORKER,
  openRedis,
  QUEUE_NAME,
  queueUrlProblem,
  redact,
  WORKERS_KEY,
  type CandidateJob,
  type CandidateOutcome,
  type QueueBackend,
  type WorkerBeat,
  type WorkerRef,
} from './queue/shared';

const OPTIONS: CommandOptions = [
  {
    name: 'queue',
    metavar: 'URL',
    help: 'The Redis of the queue, redis://[:PASSWORD@]HOST:PORT (rediss:// for TLS) (required).',
  },
  {
    name: 'csv',
    metavar: 'FILE',
    help: "This machine's copy of the run's FER2013 .csv or .csv.gz (required); jobs of runs on other data are refused.",
  },
  {
    name: 'backend',
    metavar: 'NAME',
    help: 'wasm | cpu (default wasm); jobs of runs on the other backend are refused.',
  },
  {
    name: 'concurrency',
    metavar: 'N',
    help: 'Trainings at once, each in its own process (default 1; one per core at most is useful).',
  },
  {
    name: 'lock-ms',
    metavar: 'MS',
    help: "A job's lock, renewed while it trains: when this worker dies, another takes its job after about this long (default 30000).",
  },
  { name: 'help', help: 'This text.' },
];

const USAGE = `usage: npm run worker -- --queue redis://HOST:PORT --csv FILE [options]

Trains candidates of the searches that npm run evolve -- --queue URL puts on the queue at URL, on this machine.
Start one on every machine that should help; each needs its own copy of the run's CSV (images never go over the
network). Ctrl-C finishes the trainings in progress and stops; a second Ctrl-C quits at once (another worker then
takes those jobs again).

${optionsHelp(OPTIONS)}`;

/** How often the worker writes its heartbeat. */
const BEAT_MS = 2000;

interface WorkerOptions {
  readonly url: string;
  readonly csv: string;
  readonly backend: QueueBackend;
  readonly concurrency: number;
  readonly lockMs: number;
}

function parse(argv: readonly string[]): WorkerOptions | 'help' {
  const parsed = parseCommandLine(argv, OPTIONS);
  if (parsed.kind === 'help') return 'help';
  if (parsed.kind === 'error') throw new CliError(parsed.message, 2);
  const text = (name: string): string | undefined => {
    const v = parsed.flags.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const v = text(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new CliError(`--${name} must be a whole number from ${min} to ${max}, got "${v}"`, 2);
    return n;
  };
  const url = text('queue');
  if (url === undefined) throw new CliError('--queue URL is required', 2);
  const problem = queueUrlProblem(url);
  if (problem !== null) throw new CliError(problem, 2);
  const csv = text('csv');
  if (csv === undefined) throw new CliError('--csv FILE is required', 2);
  const backend = text('backend') ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu')
    throw new CliError(`--backend must be one of wasm, cpu, got "${backend}"`, 2);
  return {
    url,
    csv: path.resolve(csv),
    backend,
    concurrency: integer('concurrency', 1, 1, 64),
    lockMs: integer('lock-ms', 30_000, 1000, 3_600_000),
  };
}

const log = (line: string): void => {
  process.stderr.write(`worker: ${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  const opts = parse(argv);
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // The file is read here too, so that a wrong path fails now and the heartbeat can name the data.
  const { dataset } = await loadCsv(opts.csv, 0);
  const sha256 = await datasetSha256(dataset);
  let redis;
  try {
    redis = await openRedis(opts.url);
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), 1);
  }
  const me: WorkerRef = { id: `w${randomBytes(5).toString('hex')}`, host: hostname(), pid: process.pid };
  // The processor's child processes inherit these when BullMQ forks them.
  process.env[ENV_URL] = opts.url;
  process.env[ENV_CSV] = opts.csv;
  process.env[ENV_BACKEND] = opts.backend;
  process.env[ENV_WORKER] = JSON.stringify(me);

  const active = new Set<string>();
  let state: WorkerBeat['state'] = 'running';
  const beat = async (): Promise<void> => {
    const b: WorkerBeat = {
      worker: me,
      csv: path.basename(opts.csv),
      count: dataset.count,
      sha256,
      backend: opts.backend,
      concurrency: opts.concurrency,
      jobs: [...active],
      state,
      intervalMs: BEAT_MS,
      at: Date.now(),
    };
    await redis.hset(WORKERS_KEY, me.id, JSON.stringify(b));
  };
  await beat();
  const beatTimer = setInterval(() => void beat().catch(() => undefined), BEAT_MS);

  const processor = fileURLToPath(new URL('./queue/processor.ts', import.meta.url));
  const worker = new Worker<CandidateJob, CandidateOutcome>(QUEUE_NAME, processor, {
    connection: redis,
    concurrency: opts.concurrency,
    lockDuration: opts.lockMs,
    stalledInterval: opts.lockMs,
    // A job whose worker died twice is probably what kills workers: it then fails instead of killing a third.
    maxStalledCount: 2,
    useWorkerThreads: false,
  });
  worker.on('active', (job) => {
    active.add(String(job.id));
    log(`training ${String(job.id)} (attempt ${job.attemptsMade + 1})`);
  });
  worker.on('completed', (job, r) => {
    active.delete(String(job.id));
    log(
      `${String(job.id)} ${r.status}${r.status === 'trained' ? `: validation accuracy ${r.valAccuracy.toFixed(4)}` : r.reason ? `: ${r.reason}` : ''} in ${r.seconds.toFixed(1)} s`,
    );
  });
  worker.on('failed', (job, err) => {
    if (job) active.delete(String(job.id));
    log(`${job ? String(job.id) : 'a job'} failed: ${err.message}`);
  });
  worker.on('stalled', (id) => log(`${id} stalled (its worker stopped renewing the lock): queued again`));
  worker.on('error', (err) => log(`error: ${err.message}`));
  await worker.waitUntilReady();
  log(
    `${me.host} pid ${me.pid} listening on ${redact(opts.url)}: ${dataset.name} (${dataset.count} images, SHA-256 ${sha256.slice(0, 12)}…), ` +
      `backend ${opts.backend}, ${opts.concurrency === 1 ? '1 training' : `${opts.concurrency} trainings`} at once`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (stopping) {
        resolve(EXIT_STOPPED);
        return;
      }
      stopping = true;
      log(
        `${sig}: finishing ${active.size === 0 ? 'nothing in progress' : [...active].join(', ')} and stopping (Ctrl-C again quits at once)`,
      );
      void (async () => {
        await worker.close();
        clearInterval(beatTimer);
        state = 'stopped';
        await beat().catch(() => undefined);
        redis.disconnect();
        resolve(0);
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

runCommand('worker', main);
