/**
 * `evolve --queue`: the run's candidate trainings go to BullMQ jobs that `npm run worker` processes on any machine.
 * The engine plans a pass (a phase: the queue takes full-fidelity runs only, as a continued training's state stays on
 * the machine that trained it), the coordinator enqueues the whole plan at once (job id `RUN:PHASE:INDEX`), and each of
 * the engine's fitness calls, still made one by one in index order, takes its job's result: the run log is the
 * single-machine run's whatever the number of workers and the order they finish in.
 */
import { Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EvaluationPlan } from '../../src/ga';
import { buildModel } from '../../src/ml/model';
import {
  restoreWeights,
  type TrainInput,
  type TrainOptions,
  type TrainResult,
  type TrainSettings,
} from '../../src/ml/train';
import type { CandidateTrainer } from '../../src/experiment/run';
import {
  JOB_FORMAT,
  JOB_VERSION,
  jobId,
  openRedis,
  QUEUE_NAME,
  QUIET_AFTER_BEATS,
  redact,
  weightsKey,
  WORKERS_KEY,
  type CandidateJob,
  type CandidateOutcome,
  type JobData,
  type JobProgress,
  type QueueBackend,
  type WorkerBeat,
} from './shared';

export interface CoordinatorOptions {
  readonly url: string;
  /** The run's id on the queue, kept in the checkpoint so that --resume finds its jobs again. */
  readonly run: string;
  readonly backend: QueueBackend;
  /** The coordinator's wasm thread count (0 on cpu), which every worker must train with. */
  readonly threads: number;
  readonly data: JobData;
  readonly settings: TrainSettings;
  /** The training seed of a chromosome (the single-machine run's rule). */
  readonly seedOf: (chromosome: TrainInput['chromosome']) => number;
  /** Tries per job before its candidate is recorded as failed. */
  readonly attempts: number;
  /** One line for the person running the search. */
  readonly log: (line: string) => void;
  /** How often workers' heartbeats are read. */
  readonly watchMs?: number;
}

/** How often a waiting fitness call reads the run's Stop and Skip. */
const CONTROL_POLL_MS = 100;
/** Finished jobs are kept this long so that a stopped run can be resumed and take their results. */
const KEEP_SECONDS = 7 * 24 * 3600;

/** Enqueues a run's trainings and hands their results back in the engine's order. */
export class QueueCoordinator {
  private enqueued: Promise<void> = Promise.resolve();
  private readonly watchTimer: NodeJS.Timeout;
  private readonly quiet = new Set<string>();
  private readonly told = new Set<string>();
  private readonly taken: string[] = [];
  private waiting = false;
  private noWorkerSince: number | null = null;

  private constructor(
    private readonly opts: CoordinatorOptions,
    private readonly redis: Redis,
    private readonly queue: Queue<CandidateJob, CandidateOutcome>,
    private readonly events: QueueEvents,
  ) {
    events.on('progress', ({ jobId: id, data }) => this.onProgress(id, data as unknown as JobProgress));
    this.watchTimer = setInterval(() => void this.watchWorkers().catch(() => undefined), opts.watchMs ?? 2000);
    this.watchTimer.unref();
  }

  /** Connects to Redis (one line of error when it cannot) and starts listening to the queue's events. */
  static async open(opts: CoordinatorOptions): Promise<QueueCoordinator> {
    const redis = await openRedis(opts.url);
    const queue = new Queue<CandidateJob, CandidateOutcome>(QUEUE_NAME, { connection: redis });
    const events = new QueueEvents(QUEUE_NAME, { connection: redis.duplicate() });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const c = new QueueCoordinator(opts, redis, queue, events);
    await c.watchWorkers(true);
    return c;
  }

  /** The engine's onPlan: the pass's trainings are enqueued at once (jobs already there, e.g. on resume, are kept). */
  readonly plan = (plan: EvaluationPlan): void => {
    const jobs = plan.calls.map((c) => {
      const settings = c.epochs === undefined ? this.opts.settings : { ...this.opts.settings, epochs: c.epochs };
      return {
        name: 'train',
        data: this.jobData(plan.phase, c.index, c.chromosome, this.opts.seedOf(c.chromosome), settings),
        opts: this.jobOptions(plan.phase, c.index),
      };
    });
    if (jobs.length === 0) return;
    this.enqueued = this.enqueued.then(async () => {
      await this.queue.addBulk(jobs);
    });
  };

  /** The run's trainer: waits for the job of (phase, index) and rebuilds its model from the weights a worker stored. */
  readonly train: CandidateTrainer = async (input, options, at) => {
    // A rung's continuation lives in this process; evolve refuses --queue with halving before it gets here.
    if (input.resume !== undefined || options.keepState === true || (at.rung ?? 0) > 0) {
      throw new Error('the queue trains full-fidelity runs only (no successive halving)');
    }
    await this.enqueued;
    const id = jobId(this.opts.run, at.phase, at.index);
    // A call the plan left out (a repeat whose first training failed) is enqueued now; an existing id is left as it is.
    const job = await this.queue.add(
      'train',
      this.jobData(at.phase, at.index, input.chromosome, input.seed, input.settings),
      this.jobOptions(at.phase, at.index),
    );
    const started = performance.now();
    this.waiting = true;
    try {
      const ended = await this.finished(job, id, options);
      const seconds = (performance.now() - started) / 1000;
      if (ended.kind === 'stopped') return { result: emptyResult('cancelled', seconds) };
      if (ended.kind === 'skipped') return { result: emptyResult('skipped', seconds) };
      if (ended.kind === 'failed') {
        return {
          result: {
            ...emptyResult('failed', seconds),
            reason: `${ended.reason} (on the queue, after ${this.opts.attempts} ${this.opts.attempts === 1 ? 'attempt' : 'attempts'})`,
          },
        };
      }
      return await this.toTrained(id, input, ended.outcome);
    } finally {
      this.waiting = false;
    }
  };

  /** Stops listening; when the run is done, the weights it took are deleted from Redis. */
  async close(done: boolean): Promise<void> {
    clearInterval(this.watchTimer);
    if (done && this.taken.length > 0) await this.redis.del(...this.taken.map(weightsKey)).catch(() => undefined);
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
  }

  private jobData(
    phase: number,
    index: number,
    chromosome: CandidateJob['chromosome'],
    seed: number,
    settings: TrainSettings,
  ): CandidateJob {
    return {
      format: JOB_FORMAT,
      version: JOB_VERSION,
      run: this.opts.run,
      phase,
      index,
      chromosome,
      seed,
      settings,
      backend: this.opts.backend,
      threads: this.opts.threads,
      data: this.opts.data,
    };
  }

  private jobOptions(phase: number, index: number): JobsOptions {
    return {
      jobId: jobId(this.opts.run, phase, index),
      attempts: this.opts.attempts,
      removeOnComplete: { age: KEEP_SECONDS },
      removeOnFail: { age: KEEP_SECONDS },
    };
  }

  /** The job's end, or the person's Stop or Skip, whichever comes first; a progress of the job reaches onProgress. */
  private finished(
    job: Job<CandidateJob, CandidateOutcome>,
    id: string,
    options: TrainOptions,
  ): Promise<
    | { kind: 'done'; outcome: CandidateOutcome }
    | { kind: 'failed'; reason: string }
    | { kind: 'stopped' }
    | { kind: 'skipped' }
  > {
    return new Promise((resolve) => {
      let over = false;
      const end = (r: Parameters<typeof resolve>[0]): void => {
        if (over) return;
        over = true;
        clearInterval(poll);
        this.events.off('progress', onProgress);
        resolve(r);
      };
      const onProgress = ({ jobId: jid, data }: { jobId: string; data: unknown }): void => {
        const p = data as JobProgress;
        if (jid === id && p.kind === 'training') options.onProgress?.(p.progress);
      };
      this.events.on('progress', onProgress);
      const poll = setInterval(() => {
        const decision = options.control?.check();
        // A stopped run leaves the job queued: a worker finishes it and --resume takes its result.
        if (decision === 'stop') end({ kind: 'stopped' });
        else if (decision === 'skip') end({ kind: 'skipped' });
      }, CONTROL_POLL_MS);
      job.waitUntilFinished(this.events).then(
        (outcome: CandidateOutcome) => end({ kind: 'done', outcome }),
        (e: unknown) => end({ kind: 'failed', reason: e instanceof Error ? e.message : String(e) }),
      );
    });
  }

  private async toTrained(id: string, input: TrainInput, outcome: CandidateOutcome): ReturnType<CandidateTrainer> {
    const result: TrainResult = {
      status: outcome.status,
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      valAccuracy: outcome.valAccuracy,
      valLoss: outcome.valLoss ?? Number.NaN,
      keptEpoch: outcome.keptEpoch,
      epochsRun: outcome.epochsRun,
      stoppedEarly: outcome.stoppedEarly,
      seconds: outcome.seconds,
      imagesPerSecond: outcome.imagesPerSecond,
      params: outcome.params,
    };
    if (outcome.status !== 'trained' || !outcome.weights) return { result };
    const buf = await this.redis.getBuffer(weightsKey(id));
    if (buf === null || buf.byteLength !== outcome.weights.bytes) {
      return {
        result: {
          ...result,
          status: 'failed',
          reason: `the weights of job ${id} are no longer in Redis (kept ${KEEP_SECONDS / 86400} days)`,
        },
      };
    }
    this.taken.push(id);
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    let at = 0;
    const values = outcome.weights.shapes.map((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const v = all.subarray(at, at + n);
      at += n;
      return v;
    });
    const model = buildModel(input.chromosome, input.settings.network);
    try {
      restoreWeights(model, { shapes: outcome.weights.shapes, values });
    } catch (e) {
      model.dispose();
      throw e;
    }
    return { result, model };
  }

  private onProgress(id: string, p: JobProgress): void {
    if (!id.startsWith(`${this.opts.run}:`)) return;
    if (p.kind === 'refused')
      this.once(
        `refused ${p.worker.id} ${p.reason}`,
        `evolve: job ${id} refused by ${p.worker.host} pid ${p.worker.pid}: ${p.reason}`,
      );
    else if (p.kind === 'started' && p.attempt > 1)
      this.opts.log(`evolve: job ${id} started again (attempt ${p.attempt}) on ${p.worker.host} pid ${p.worker.pid}`);
  }

  private once(key: string, line: string): void {
    if (this.told.has(key)) return;
    this.told.add(key);
    this.opts.log(line);
  }

  /** Reports workers that have gone quiet (and come back), workers on other data, and a queue nobody listens to. */
  private async watchWorkers(first = false): Promise<void> {
    const beats = Object.values(await this.redis.hgetall(WORKERS_KEY)).map((v) => JSON.parse(v) as WorkerBeat);
    const now = Date.now();
    let live = 0;
    for (const b of beats) {
      const name = `${b.worker.host} pid ${b.worker.pid}`;
      const silentMs = now - b.at;
      if (b.state !== 'running') continue;
      if (silentMs > QUIET_AFTER_BEATS * b.intervalMs) {
        if (first || this.quiet.has(b.worker.id)) continue;
        this.quiet.add(b.worker.id);
        const jobs = b.jobs.filter((j) => j.startsWith(`${this.opts.run}:`));
        this.opts.log(
          `evolve: worker ${name} has gone quiet (nothing heard for ${Math.round(silentMs / 1000)} s)` +
            (jobs.length > 0
              ? `; its job${jobs.length > 1 ? 's' : ''} ${jobs.join(', ')} will be picked up again when the lock expires`
              : ''),
        );
        continue;
      }
      live++;
      if (this.quiet.delete(b.worker.id)) this.opts.log(`evolve: worker ${name} is back`);
      if (b.sha256 !== this.opts.data.sha256)
        this.once(
          `data ${b.worker.id}`,
          `evolve: worker ${name} has other data (${b.csv}, ${b.count} images): it will refuse this run's jobs`,
        );
    }
    if (live > 0) this.noWorkerSince = null;
    else if (this.waiting || first) {
      this.noWorkerSince ??= now;
      this.once(
        `no worker ${this.noWorkerSince}`,
        `evolve: no worker is listening on ${redact(this.opts.url)}; start one on each machine with: npm run worker -- --queue ${redact(this.opts.url)} --csv FILE`,
      );
    }
  }
}

function emptyResult(status: TrainResult['status'], seconds: number): TrainResult {
  return {
    status,
    valAccuracy: 0,
    valLoss: Number.NaN,
    keptEpoch: 0,
    epochsRun: 0,
    stoppedEarly: false,
    seconds,
    imagesPerSecond: 0,
    params: 0,
  };
}
