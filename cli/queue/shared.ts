/**
 * What the coordinator (`evolve --queue`) and the workers (`npm run worker`) agree on: the BullMQ queue's name, a job's
 * data and result, the Redis keys beside the queue (weights, worker heartbeats) and how a Redis URL is opened.
 * Over the network go chromosomes, settings, hashes and weights, never images: each worker reads its own copy of the CSV.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { SplitMode } from '../../src/data/splits';
import type { Chromosome } from '../../src/ga/chromosome';
import type { TrainProgress, TrainSettings, TrainStatus } from '../../src/ml/train';

/** The BullMQ queue every worker listens on; runs are told apart by their job ids. */
export const QUEUE_NAME = 'evolab';
/** `format` of every job's data; a worker refuses any other, or another version. */
export const JOB_FORMAT = 'evolab-candidate';
/** The version of the job format this code writes and reads. */
export const JOB_VERSION = 2;
/** What `npm run worker` passes down to its processor's child processes through the environment (inherited on fork). */
export const ENV_URL = 'EVOLAB_QUEUE_URL';
export const ENV_CSV = 'EVOLAB_WORKER_CSV';
export const ENV_BACKEND = 'EVOLAB_WORKER_BACKEND';
export const ENV_WORKER = 'EVOLAB_WORKER_REF';
/** Backends a worker trains on, as `evolve` in Node. */
export type QueueBackend = 'wasm' | 'cpu';

/**
 * The id of a run's training of individual `index` of `phase`: `RUN:PHASE:INDEX` (BullMQ allows ids of three parts).
 * The queue trains full-fidelity runs only (evolve refuses --queue with --fidelity halving), so one id per individual.
 */
export function jobId(run: string, phase: number, index: number): string {
  return `${run}:${phase}:${index}`;
}

/** A fresh run id: a letter and ten hex digits (never a number, never a colon, as BullMQ wants of custom ids). */
export function newRunId(): string {
  return `r${randomBytes(5).toString('hex')}`;
}

/** The data a run was loaded and split from, so that a worker can check it has the same images and rows. */
export interface JobData {
  /** File name, images after removing duplicates, and the SHA-256 of the parsed images, labels and usage. */
  readonly name: string;
  readonly count: number;
  readonly sha256: string;
  /** The run's seed: it draws the Usage of a file without that column, and the split. */
  readonly seed: number;
  readonly split: SplitMode;
  readonly perClass: number;
  readonly train: number;
  readonly val: number;
  /** SHA-256 of the training and validation rows (cli/dataset.ts splitSha256). */
  readonly splitSha256: string;
}

/** One candidate's training as a job: everything a worker needs to train it as the single-machine run would. */
export interface CandidateJob {
  readonly format: typeof JOB_FORMAT;
  readonly version: typeof JOB_VERSION;
  readonly run: string;
  readonly phase: number;
  readonly index: number;
  readonly chromosome: Chromosome;
  /** The candidate's training seed (weights, shuffles, dropout). */
  readonly seed: number;
  /** The run's training settings, its epochs and time budget (`maxSeconds`, measured by the worker's trainer) included. */
  readonly settings: TrainSettings;
  readonly backend: QueueBackend;
  /** The coordinator's wasm thread count (0 on cpu): a worker trains with it or refuses, as results may depend on it. */
  readonly threads: number;
  readonly data: JobData;
}

/** Which worker process did something. */
export interface WorkerRef {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
}

/** A job's result (BullMQ's return value). The weights are stored apart, under weightsKey(job id), as raw float32. */
export interface CandidateOutcome {
  readonly status: Exclude<TrainStatus, 'cancelled'>;
  readonly reason?: string;
  readonly valAccuracy: number;
  /** Null for NaN (JSON has no NaN). */
  readonly valLoss: number | null;
  /** The epoch whose weights were kept (1-based; 0 when none finished). */
  readonly keptEpoch: number;
  readonly epochsRun: number;
  /** Early stopping ended the training (TrainResult.stoppedEarly). */
  readonly stoppedEarly: boolean;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  readonly params: number;
  /** Shapes and byte length of the stored weights; absent when the training left no model. */
  readonly weights?: { readonly shapes: number[][]; readonly bytes: number };
  readonly worker: WorkerRef;
}

/** What a worker reports through a job's progress while it has the job. */
export type JobProgress =
  | { readonly kind: 'started'; readonly worker: WorkerRef; readonly attempt: number }
  | { readonly kind: 'refused'; readonly worker: WorkerRef; readonly reason: string }
  | { readonly kind: 'training'; readonly progress: TrainProgress };

/** A worker's heartbeat: a field of WORKERS_KEY (its id) rewritten every `intervalMs`. */
export interface WorkerBeat {
  readonly worker: WorkerRef;
  readonly csv: string;
  readonly count: number;
  readonly sha256: string;
  readonly backend: QueueBackend;
  readonly concurrency: number;
  /** Ids of the jobs it is training. */
  readonly jobs: readonly string[];
  readonly state: 'running' | 'stopped';
  readonly intervalMs: number;
  /** When it was written (ms since the epoch, the worker's clock). */
  readonly at: number;
}

/** The hash of the workers' last heartbeats (field: worker id, value: WorkerBeat as JSON). */
export const WORKERS_KEY = `evolab:${QUEUE_NAME}:workers`;
/** A worker unheard for this many heartbeat intervals has gone quiet. */
export const QUIET_AFTER_BEATS = 3;
/** How long trained weights wait in Redis for a coordinator (a stopped run may be resumed days later). */
export const WEIGHTS_TTL_SECONDS = 7 * 24 * 3600;
/** Where a job's trained weights live (raw little-endian float32) until the coordinator has taken them. */
export const weightsKey = (job: string): string => `evolab:${QUEUE_NAME}:weights:${job}`;

/** Checks a --queue value: a redis:// or rediss:// URL. Returns the problem, or null. */
export function queueUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `--queue must be a Redis URL such as redis://HOST:6379, got "${url}"`;
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    return `--queue must be a redis:// or rediss:// URL, got "${redact(url)}"`;
  if (u.hostname === '') return `--queue needs a host, as in redis://HOST:6379`;
  return null;
}

/** The URL with its password (if any) replaced by ***, for messages and files. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * A connection for BullMQ and the keys beside it: reconnects forever and never gives up on a command (BullMQ's
 * blocking calls need that), after a first connection that must succeed within `timeoutMs`.
 */
export async function openRedis(url: string, timeoutMs = 10_000): Promise<Redis> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    throw new Error(`cannot reach Redis at ${redact(url)}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    probe.disconnect();
  }
  const options: RedisOptions = { maxRetriesPerRequest: null };
  return new Redis(url, options);
}
