/** The worker's side of saved runs: opening the store, the history calls, and a recorder for each run it drives. */
import type { Dataset, Splits } from '../data/dataset';
import type { FinalResult } from '../experiment/finalResult';
import type { BestModel } from '../experiment/run';
import type { RunLog, RunLogDataset } from '../experiment/runlog';
import { RunLogBuilder } from '../experiment/runlogBuilder';
import { packWeights, unpackWeights } from '../experiment/weights';
import type { TrainedNetwork } from '../ml/trained';
import type { WeightSnapshot } from '../ml/train';
import { parseRunLog } from '../experiment/runlogParser';
import type { RunConfig, RunEvent } from '../experiment/types';
import {
  parseSimulate,
  runLockName,
  storedRunSummary,
  faultMessage,
  classifyStorageError,
  encodeBest,
  type RunRecord,
} from '../persist/codec';
import { RunStore } from '../persist/db';
import { datasetSha256 } from '../persist/hash';
import { heldLocks, takeLock } from '../persist/locks';
import { RunLockedError, RunRecorder, type NoticeSink } from '../persist/recorder';
import type { DatasetDescriptor, StorageNotice, StorageState, StoredRunSummary } from '../persist/types';

/** How the synthetic sample in memory was generated, so a resume can generate it again. */
export interface SampleRecipe {
  readonly perClass: number;
  readonly seed: number;
}

/** Which file data has a copy kept for resumes (src/worker/datasetCache.ts, which only the worker compiles against). */
export interface KeptCopies {
  has(sha256: string): Promise<boolean>;
}

/** Saved runs for one worker; every call works (as a no-op or a clear error) when storage is unavailable. */
export class RunStorage {
  private store: Promise<RunStore | null> = Promise.resolve(null);
  private unavailable: string | null = 'storage was not opened';
  private sink: NoticeSink = () => undefined;
  private readonly hashes = new WeakMap<Dataset, Promise<string>>();
  /** The run this worker drives, if any (its lock is ours). */
  activeId: string | null = null;

  constructor(private readonly copies: KeptCopies) {}

  /** Opens the database; `simulate` is the page's `?simulate=` test hook (see parseSimulate). */
  async open(simulate: string | null): Promise<StorageState> {
    this.store = RunStore.open(parseSimulate(simulate)).then(
      (s) => {
        this.unavailable = null;
        return s;
      },
      (e: unknown) => {
        this.unavailable = faultMessage('unavailable', e instanceof Error ? e.message : String(e));
        return null;
      },
    );
    await this.store;
    return { available: this.unavailable === null, message: this.unavailable };
  }

  /** Where storage notices go (a comlink proxy of the page's handler). */
  watch(sink: NoticeSink): void {
    this.sink = (n: StorageNotice) => {
      // A closed page must not break the run that reports to it.
      Promise.resolve(sink(n)).catch(() => undefined);
    };
  }

  /** The history, newest first; `running` runs nobody holds the lock of are reported as interrupted. */
  async list(): Promise<StoredRunSummary[]> {
    const store = await this.store;
    if (!store) return [];
    const [records, held] = await Promise.all([store.list(), heldLocks()]);
    const needed = await Promise.all(records.map((r) => this.fileNeeded(r.dataset)));
    return records
      .map((r, i) =>
        storedRunSummary(r, { held: held.has(runLockName(r.id)), mine: r.id === this.activeId }, needed[i] ?? null),
      )
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  /** The saved run log of a run (the export format). */
  async runLog(id: string): Promise<RunLog> {
    return (await this.record(id)).runLog;
  }

  async delete(id: string): Promise<void> {
    const store = await this.required();
    if (id === this.activeId) throw new Error('this run is in progress here: stop it before deleting it');
    if ((await heldLocks()).has(runLockName(id)))
      throw new Error('another tab is running this run: it cannot be deleted now');
    await store.delete(id).catch((e: unknown) => {
      throw new Error(faultMessage(classifyStorageError(e), e instanceof Error ? e.message : String(e)));
    });
  }

  /** Saves a run log file (text) as a finished entry of the history; throws the parser's one-line error. */
  async import(text: string): Promise<StoredRunSummary> {
    const store = await this.required();
    const log = parseRunLog(text);
    const stamp = new Date().toISOString();
    const record: RunRecord = {
      id: crypto.randomUUID(),
      createdAt: log.createdAt,
      updatedAt: stamp,
      status: log.outcome === 'running' ? 'interrupted' : log.outcome,
      imported: true,
      dataset: { kind: 'imported', name: log.dataset.name, count: log.dataset.count },
      runLog: log,
      seconds: log.seconds,
      hasCheckpoint: false,
    };
    await store.putRecord(record).catch((e: unknown) => {
      throw new Error(faultMessage(classifyStorageError(e), e instanceof Error ? e.message : String(e)));
    });
    return storedRunSummary(record, { held: false, mine: false });
  }

  /** Describes the data of a new run: the sample's recipe, or the file's name, size and SHA-256. */
  async describe(data: Dataset, recipe: SampleRecipe | null, fileBytes: number | null): Promise<DatasetDescriptor> {
    if (data.synthetic && recipe)
      return { kind: 'sample', name: data.name, count: data.count, perClass: recipe.perClass, seed: recipe.seed };
    return { kind: 'file', name: data.name, count: data.count, bytes: fileBytes, sha256: await this.hash(data) };
  }

  /** Why resuming a run on this data asks for its file again, or null when it does not. */
  private async fileNeeded(dataset: DatasetDescriptor): Promise<string | null> {
    if (dataset.kind !== 'file' || (await this.copies.has(dataset.sha256))) return null;
    return (
      dataset.notKept ??
      'no copy of it is kept in this browser any more (a later run on another file replaced it, or the browser cleared it)'
    );
  }

  /** Tells the page whether the data of the run this worker drives is kept for resumes. */
  notifyDataCopy(runId: string, dataset: DatasetDescriptor): void {
    if (dataset.kind === 'file')
      this.sink({ kind: 'data-copy', runId, name: dataset.name, message: dataset.notKept ?? null });
  }

  /** Null when `data` is the data the run used; otherwise what the person must do before `then` (resume, train...). */
  async mismatch(expected: DatasetDescriptor, data: Dataset | null, then = 'resume'): Promise<string | null> {
    if (expected.kind !== 'file')
      return expected.kind === 'imported' ? 'an imported run log has no checkpoint to resume' : null;
    const ask = `This run trained on ${expected.name} (${expected.count.toLocaleString('en')} images after removing duplicates): load that file again (it is checked by its SHA-256), then ${then}.`;
    if (!data || data.synthetic) return ask;
    return data.count === expected.count && (await this.hash(data)) === expected.sha256
      ? null
      : `The loaded data differs from the run's. ${ask}`;
  }

  /** Starts recording a new run. */
  async begin(config: RunConfig, data: Dataset, splits: Splits, descriptor: DatasetDescriptor): Promise<RunRecorder> {
    const recorder = await RunRecorder.start(await this.store, descriptor, logDataset(config, data, splits), this.sink);
    this.activeId = recorder.id;
    if (this.unavailable)
      this.sink({ kind: 'fault', fault: 'unavailable', message: this.unavailable, runId: recorder.id });
    return recorder;
  }

  /** Takes over a saved run (its lock, record and checkpoint). */
  async resume(id: string): Promise<Awaited<ReturnType<typeof RunRecorder.resume>>> {
    const taken = await RunRecorder.resume(await this.required(), id, this.sink);
    this.activeId = id;
    return taken;
  }

  /** Ends the recording of the run this worker drove: its lock is released for other tabs. */
  end(recorder: RunRecorder): void {
    if (this.activeId === recorder.id) this.activeId = null;
    recorder.release();
  }

  /** Takes a run's lock for work on it after it ended (a final training); throws RunLockedError when a tab holds it. */
  async lockRun(id: string): Promise<() => void> {
    const release = await takeLock(runLockName(id));
    if (!release) throw new RunLockedError();
    return release;
  }

  /**
   * Saves a run's final training with the run: `final` in its saved run log and the weights beside it, in one
   * transaction. Never throws: a failure is reported as a notice (the model stays in memory); false when not saved.
   */
  async saveFinal(id: string, result: FinalResult, weights: WeightSnapshot): Promise<boolean> {
    const store = await this.store;
    if (!store) return false;
    try {
      const record = await store.get(id);
      // A run deleted meanwhile (or never saved) has nowhere to keep its final model.
      if (!record) return false;
      const next: RunRecord = {
        ...record,
        updatedAt: new Date().toISOString(),
        runLog: { ...record.runLog, final: result },
      };
      await store.putFinal(
        next,
        packWeights(weights.values),
        weights.shapes.map((s) => s.slice()),
      );
      return true;
    } catch (e) {
      const fault = classifyStorageError(e);
      this.sink({
        kind: 'fault',
        fault,
        message: faultMessage(fault, e instanceof Error ? e.message : String(e)),
        runId: id,
      });
      return false;
    }
  }

  /** A saved run's final training and its weights, or null when it has none (or storage is off). */
  async loadFinal(id: string): Promise<{ readonly result: FinalResult; readonly weights: WeightSnapshot } | null> {
    const store = await this.store;
    if (!store) return null;
    const [record, saved] = await Promise.all([store.get(id), store.getFinalWeights(id)]);
    const result = record?.runLog.final;
    if (!result || !saved) return null;
    return { result, weights: { shapes: saved.shapes, values: unpackWeights(saved.bytes, saved.shapes) } };
  }

  /**
   * A saved run's best network (the search's result, kept with the run when it ended) with its saved record, or null
   * when none is kept (an imported log, nothing trained, a refused save, or storage off).
   */
  async loadBest(id: string): Promise<{ readonly best: BestModel; readonly record: RunRecord } | null> {
    const store = await this.store;
    if (!store) return null;
    const [record, best] = await Promise.all([store.get(id), store.loadBest(id)]);
    return record && best ? { best, record } : null;
  }

  /**
   * Records a person's choice of front member (Use this model) in a saved run: its log's best becomes that member, with
   * the event's test scores, and the member's weights are saved with the run. A failure to save is reported as a
   * storage notice; the choice stands in memory either way.
   */
  async choose(id: string, event: Extract<RunEvent, { type: 'test-result' }>, model: BestModel): Promise<void> {
    const store = await this.store;
    if (!store) return;
    try {
      const record = await store.get(id);
      if (!record) return;
      const builder = RunLogBuilder.from(record.runLog);
      builder.add(event);
      const { best, weights } = encodeBest(model);
      await store.putChosen(
        { ...record, runLog: builder.toJSON(), updatedAt: new Date().toISOString() },
        weights,
        best.shapes,
      );
    } catch (e) {
      const fault = classifyStorageError(e);
      this.sink({
        kind: 'fault',
        fault,
        message: faultMessage(fault, e instanceof Error ? e.message : String(e)),
        runId: id,
      });
    }
  }

  /** A saved run's chosen model (Use this model) with its weights, or null when none was chosen (or storage is off). */
  async loadChosen(id: string): Promise<TrainedNetwork | null> {
    const store = await this.store;
    if (!store) return null;
    const [record, saved] = await Promise.all([store.get(id), store.getChosenWeights(id)]);
    const best = record?.runLog.best;
    if (!best?.chosen || !saved) return null;
    return {
      chromosome: best.chromosome,
      weights: { shapes: saved.shapes, values: unpackWeights(saved.bytes, saved.shapes) },
    };
  }

  /** The saved record of a run (throws when it is not saved). */
  async record(id: string): Promise<RunRecord> {
    const store = await this.required();
    const record = await store.get(id);
    if (!record) throw new Error('this run is not saved (deleted in another tab?)');
    return record;
  }

  private async required(): Promise<RunStore> {
    const store = await this.store;
    if (!store) throw new Error(this.unavailable ?? 'storage is unavailable');
    return store;
  }

  private hash(data: Dataset): Promise<string> {
    let h = this.hashes.get(data);
    if (!h) {
      h = datasetSha256(data);
      this.hashes.set(data, h);
    }
    return h;
  }
}

/** The run log's description of the data: the split the run actually trains, validates and tests on. */
export function logDataset(config: RunConfig, data: Dataset, splits: Splits): RunLogDataset {
  return {
    name: data.name,
    synthetic: data.synthetic,
    count: data.count,
    split: config.split ?? 'canonical',
    train: splits.train.length,
    val: splits.val.length,
    test: splits.test.length,
  };
}
