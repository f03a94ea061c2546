/**
 * The queue's sandboxed processor: BullMQ runs it in a child process of `npm run worker` (with the parent's
 * `--import tsx`), so a long training never blocks the parent's lock renewal. It trains one candidate exactly as
 * `evolve` would on this machine, after checking that its CSV gives the run's images and rows.
 */
import type { SandboxedJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Dataset, Splits } from '../../src/data/dataset';
import { datasetSha256 } from '../../src/persist/hash';
import { snapshotWeights, trainCandidate, type TrainProgress } from '../../src/ml/train';
import { wasmThreadCount } from '../../src/ml/wasm-threads';
import { runSplits, splitSha256 } from '../dataset';
import { initBackend, loadCsv } from '../node';
import {
  ENV_BACKEND,
  ENV_CSV,
  ENV_URL,
  ENV_WORKER,
  JOB_FORMAT,
  JOB_VERSION,
  openRedis,
  weightsKey,
  WEIGHTS_TTL_SECONDS,
  type CandidateJob,
  type CandidateOutcome,
  type JobProgress,
  type QueueBackend,
  type WorkerRef,
} from './shared';

/** How often a training reports its progress through the job (each report is a Redis write and an event). */
const PROGRESS_INTERVAL_MS = 1000;

let redis: Promise<Redis> | null = null;
let backendReady: Promise<unknown> | null = null;
const loaded = new Map<number, Promise<{ dataset: Dataset; sha256: string }>>();
const splitCache = new Map<string, { splits: Splits; sha256: string }>();

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set: the processor runs under npm run worker`);
  return v;
}

/** The worker's CSV parsed with the run's seed (which only matters for a file without a Usage column), once per seed. */
function dataFor(seed: number): Promise<{ dataset: Dataset; sha256: string }> {
  let p = loaded.get(seed);
  if (!p) {
    p = loadCsv(env(ENV_CSV), seed).then(async ({ dataset }) => ({ dataset, sha256: await datasetSha256(dataset) }));
    loaded.set(seed, p);
  }
  return p;
}

/** Trains the job's candidate; throws (so BullMQ retries, then fails the job) when it cannot or must not. */
export default async function process_(job: SandboxedJob<CandidateJob, CandidateOutcome>): Promise<CandidateOutcome> {
  const worker = JSON.parse(env(ENV_WORKER)) as WorkerRef;
  const backend = env(ENV_BACKEND) as QueueBackend;
  const d = job.data;
  const report = (p: JobProgress): Promise<void> => job.updateProgress(p as unknown as object);
  const refuse = async (reason: string): Promise<never> => {
    await report({ kind: 'refused', worker, reason });
    throw new Error(`refused by ${worker.host} pid ${worker.pid}: ${reason}`);
  };
  if (d.format !== JOB_FORMAT || d.version !== JOB_VERSION)
    return refuse(
      `the job is ${String(d.format)} version ${String(d.version)}; this worker reads ${JOB_FORMAT} version ${JOB_VERSION}`,
    );
  if (d.backend !== backend)
    return refuse(
      `the run trains on ${d.backend} and this worker on ${backend} (results would differ); start a worker with --backend ${d.backend}`,
    );
  const { dataset, sha256 } = await dataFor(d.data.seed);
  if (sha256 !== d.data.sha256) {
    return refuse(
      `its CSV ${env(ENV_CSV)} (${dataset.count} images, SHA-256 ${sha256.slice(0, 12)}…) is not the run's data ${d.data.name} (${d.data.count} images, SHA-256 ${d.data.sha256.slice(0, 12)}…)`,
    );
  }
  const splitKey = `${d.data.seed}:${d.data.split}:${d.data.perClass}`;
  let split = splitCache.get(splitKey);
  if (!split) {
    const { splits } = runSplits(dataset, d.data.split, d.data.seed, d.data.perClass);
    split = { splits, sha256: splitSha256(splits) };
    splitCache.set(splitKey, split);
  }
  if (split.sha256 !== d.data.splitSha256)
    return refuse(
      `its ${d.data.split} split of the same images gives other rows than the run's (another version of the split?)`,
    );

  // The first job sets this process's thread count (the backend starts once); its results then match the coordinator's.
  backendReady ??= initBackend(backend, backend === 'wasm' && d.threads > 0 ? d.threads : 'auto');
  await backendReady;
  if (backend === 'wasm' && wasmThreadCount() !== d.threads) {
    return refuse(
      `the run trains with ${d.threads} wasm ${d.threads === 1 ? 'thread' : 'threads'} and this worker process with ${wasmThreadCount()} ` +
        `(results could differ); restart the worker${d.threads > 1 ? ' on a machine that can run that many threads' : ''}`,
    );
  }
  await report({ kind: 'started', worker, attempt: job.attemptsMade + 1 });
  let lastSent = 0;
  const onProgress = (progress: TrainProgress): void => {
    const t = performance.now();
    if (t - lastSent < PROGRESS_INTERVAL_MS) return;
    lastSent = t;
    void report({ kind: 'training', progress }).catch(() => undefined);
  };
  const { splits } = split;
  const { result, model } = await trainCandidate(
    {
      chromosome: d.chromosome,
      data: dataset,
      train: splits.train,
      val: splits.val,
      settings: d.settings,
      seed: d.seed,
    },
    { onProgress },
  );
  let weights: CandidateOutcome['weights'];
  if (model) {
    try {
      if (result.status === 'trained') {
        const snap = await snapshotWeights(model);
        const bytes = Buffer.concat(snap.values.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
        redis ??= openRedis(env(ENV_URL));
        await (await redis).set(weightsKey(String(job.id)), bytes, 'EX', WEIGHTS_TTL_SECONDS);
        weights = { shapes: snap.shapes, bytes: bytes.byteLength };
      }
    } finally {
      model.dispose();
    }
  }
  if (result.status === 'cancelled') throw new Error('training cancelled');
  return {
    status: result.status,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    valAccuracy: result.valAccuracy,
    valLoss: Number.isNaN(result.valLoss) ? null : result.valLoss,
    keptEpoch: result.keptEpoch,
    epochsRun: result.epochsRun,
    stoppedEarly: result.stoppedEarly,
    seconds: result.seconds,
    imagesPerSecond: result.imagesPerSecond,
    params: result.params,
    ...(weights ? { weights } : {}),
    worker,
  };
}
