/**
 * Saves one run as it goes (worker side): the run log from its events, and a checkpoint after every evaluated
 * candidate. A failed save never stops the run: the fault is reported once and the run goes on in memory.
 */
import { refKey, type BestModel, type FrontModel, type RunCheckpoint } from '../experiment/run';
import type { RunLog, RunLogDataset } from '../experiment/runlog';
import { RunLogBuilder } from '../experiment/runlogBuilder';
import type { RunEvent } from '../experiment/types';
import {
  classifyStorageError,
  encodeBest,
  faultMessage,
  logStats,
  runLockName,
  type RunRecord,
  type StoredFrontMember,
} from './codec';
import { trainingKey, type RunStore } from './db';
import type { TrainState } from '../ml/train';
import { takeLock } from './locks';
import type { DatasetDescriptor, StorageNotice } from './types';

/** Receives storage notices (the page shows them). */
export type NoticeSink = (notice: StorageNotice) => void;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Thrown by `resume` (and by a final training of a saved run) when another tab holds the run's lock. */
export class RunLockedError extends Error {
  constructor() {
    super('Another tab of this lab is running this run; it can only be driven from that tab.');
    this.name = 'RunLockedError';
  }
}

/** The recorder of one run: owns its run log and saves it with each checkpoint. */
export class RunRecorder {
  private readonly sessionStart = performance.now();
  private faulted = false;
  /** True once the run's end was saved. */
  private finishedSaved = false;
  /** The best model as of the last successful save (weights are rewritten only when it changes). */
  private savedBest: BestModel | null | undefined;
  /** Kept trainings as of the last successful save, by key (a training is written once: its state object never changes). */
  private savedTrainings = new Map<string, TrainState>();
  /** Front members whose weights the last successful save holds, by place. */
  private savedFront = new Map<string, FrontModel>();

  private constructor(
    private readonly store: RunStore | null,
    private readonly record: Mutable<RunRecord>,
    private readonly builder: RunLogBuilder,
    private readonly releaseLock: () => void,
    private readonly notify: NoticeSink,
    savedBest: BestModel | null | undefined,
    savedFront: readonly FrontModel[] = [],
  ) {
    this.savedBest = savedBest;
    this.savedFront = new Map(savedFront.map((m) => [refKey(m), m] as const));
  }

  /** Starts saving a new run (the store may be null when storage is unavailable: then only the lock is taken). */
  static async start(
    store: RunStore | null,
    dataset: DatasetDescriptor,
    logDataset: RunLogDataset,
    notify: NoticeSink,
  ): Promise<RunRecorder> {
    const id = crypto.randomUUID();
    const release = await takeLock(runLockName(id));
    if (!release) throw new RunLockedError();
    const builder = new RunLogBuilder({ dataset: logDataset });
    const log = builder.toJSON();
    const record: RunRecord = {
      id,
      createdAt: log.createdAt,
      updatedAt: log.createdAt,
      status: 'running',
      imported: false,
      dataset,
      runLog: log,
      seconds: 0,
      hasCheckpoint: false,
    };
    const recorder = new RunRecorder(store, record, builder, release, notify, undefined);
    await recorder.save(() => store?.putRecord(record));
    return recorder;
  }

  /** Takes over a saved run: its lock (or RunLockedError), its record and its checkpoint. */
  static async resume(
    store: RunStore,
    id: string,
    notify: NoticeSink,
  ): Promise<{ recorder: RunRecorder; checkpoint: RunCheckpoint; log: RunLog; dataset: DatasetDescriptor }> {
    const release = await takeLock(runLockName(id));
    if (!release) throw new RunLockedError();
    try {
      const record = await store.get(id);
      if (!record) throw new Error('this run is no longer saved (deleted in another tab?)');
      if (!record.hasCheckpoint) throw new Error('this run has no checkpoint to resume from');
      if (record.status === 'done') throw new Error('this run has already finished');
      const checkpoint = await store.loadCheckpoint(id);
      const recorder = new RunRecorder(
        store,
        { ...record },
        RunLogBuilder.from(record.runLog),
        release,
        notify,
        checkpoint.best,
        checkpoint.front,
      );
      for (const c of checkpoint.continuations ?? [])
        recorder.savedTrainings.set(trainingKey(id, c.phase, c.index), c.state);
      return { recorder, checkpoint, log: record.runLog, dataset: record.dataset };
    } catch (e) {
      release();
      throw e;
    }
  }

  get id(): string {
    return this.record.id;
  }

  /** The run log so far, kept in memory whether or not saving works: the run's one log. */
  log(): RunLog {
    return this.builder.toJSON();
  }

  /** Adds a run event to the saved log (progress and candidate starts are not results and are not kept). */
  event(e: RunEvent): void {
    if (e.type !== 'progress' && e.type !== 'candidate-started' && e.type !== 'final-progress') this.builder.add(e);
  }

  /** Saves the checkpoint with the log so far, in one transaction; awaited by the run before it goes on. */
  async checkpoint(cp: RunCheckpoint): Promise<void> {
    const record = this.snapshot('running', true);
    const changed = cp.best !== this.savedBest;
    const encoded = cp.best ? encodeBest(cp.best) : null;
    const kept = new Map((cp.continuations ?? []).map((c) => [trainingKey(record.id, c.phase, c.index), c] as const));
    const trainings = {
      put: [...kept].filter(([key, c]) => this.savedTrainings.get(key) !== c.state).map(([, c]) => c),
      drop: [...this.savedTrainings.keys()].filter((key) => !kept.has(key)),
    };
    // A front member's weights are written once, when it joins the front, and deleted when it leaves.
    const members = cp.front ?? [];
    const keys = new Set(members.map(refKey));
    const stored = (m: FrontModel): StoredFrontMember => ({ ...encodeBest(m).best, phase: m.phase, index: m.index });
    const front = cp.front
      ? {
          members: members.map(stored),
          put: members
            .filter((m) => !this.savedFront.has(refKey(m)))
            .map((m) => [stored(m), encodeBest(m).weights] as const),
          drop: [...this.savedFront.values()].filter((m) => !keys.has(refKey(m))).map(stored),
        }
      : undefined;
    const ok = await this.save(() =>
      this.store?.putCheckpoint(
        record,
        cp.engine,
        encoded?.best ?? null,
        changed ? (encoded?.weights ?? null) : undefined,
        trainings,
        front,
      ),
    );
    if (!ok) return;
    this.savedBest = cp.best;
    this.savedTrainings = new Map([...kept].map(([key, c]) => [key, c.state]));
    this.savedFront = new Map(members.map((m) => [refKey(m), m] as const));
    this.record.hasCheckpoint = true;
    const { evaluated, planned } = logStats(record.runLog);
    this.notify({ kind: 'saved', runId: record.id, evaluated, planned });
  }

  /**
   * Saves how the run ended, in one write: a finished run drops its checkpoint and keeps `best` (the run's result) as its
   * model; a stopped one keeps its checkpoint, whose best weights stay its model, so it can be continued. A refused
   * write is reported (the notice's `saved`).
   */
  async finish(outcome: 'done' | 'stopped', best: BestModel | null): Promise<void> {
    const done = outcome === 'done';
    const record = this.snapshot(outcome, !done && this.record.hasCheckpoint);
    // Rewritten even when unchanged: a row saved before finished runs kept their model lacks the description the
    // dropped checkpoint held. A stopped run's weights must keep matching its checkpoint, so they are left alone.
    const model = done ? (best ? encodeBest(best) : null) : undefined;
    this.finishedSaved = await this.save(() => this.store?.putRecord(record, { dropCheckpoint: done, model }));
  }

  /** Lets other tabs take the run (call once the run is over, however it ended), then says so: lists read after it see the lock gone. */
  release(): void {
    this.releaseLock();
    this.notify({ kind: 'finished', runId: this.record.id, saved: this.finishedSaved });
  }

  private snapshot(status: RunRecord['status'], hasCheckpoint: boolean): RunRecord {
    const now = new Date().toISOString();
    const seconds = this.record.seconds + (performance.now() - this.sessionStart) / 1000;
    return { ...this.record, status, updatedAt: now, runLog: this.builder.toJSON(), seconds, hasCheckpoint };
  }

  /** Runs one write; false (and one notice per fault episode) when it failed. On success the record is current. */
  private async save(write: () => Promise<void> | undefined): Promise<boolean> {
    if (!this.store) return false;
    try {
      await write();
    } catch (e) {
      const fault = classifyStorageError(e);
      if (!this.faulted)
        this.notify({
          kind: 'fault',
          fault,
          message: faultMessage(fault, e instanceof Error ? e.message : String(e)),
          runId: this.record.id,
        });
      this.faulted = true;
      return false;
    }
    this.faulted = false;
    return true;
  }
}
