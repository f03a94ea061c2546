/**
 * Saved runs in IndexedDB (through idb): `runs` (record + run log), `checkpoints` (engine state, best model's JSON),
 * `weights` (the best model: its weights as one float32 buffer with its chromosome and shapes; under frontWeightsKey
 * the front members' while they are on the front; under chosenWeightsKey(id) and finalWeightsKey(id) the chosen and
 * the final model's) and `trainings` (with successive halving, the trainings of the phase in progress that a later rung
 * may continue, one record each). Every write is ONE transaction over the stores it touches, so a failure (quota, a
 * killed tab) leaves the previous checkpoint whole; the weights are rewritten only when they changed, and a training
 * only when it is new. A finished run drops its checkpoint (and its front's weights) and keeps its best weights: the
 * run's model, handed out when the run is opened from the history.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { BestModel, Continuation, FrontModel, RunCheckpoint } from '../experiment/run';
import type { TrainState } from '../ml/train';
import type { EngineState } from '../ga/types';
import { decodeBest, type RunRecord, type SimulatedFaults, type StoredBest, type StoredFrontMember } from './codec';

const DB_NAME = 'evolab';
// 2: the `trainings` store.
const DB_VERSION = 2;

interface StoredCheckpoint {
  readonly id: string;
  readonly engine: EngineState;
  readonly best: StoredBest | null;
  /** Multi-objective runs: the front members, whose weights are under frontWeightsKey. */
  readonly front?: readonly StoredFrontMember[];
  readonly savedAt: string;
}

/** A training kept to be continued, keyed `${run id}|${phase}|${index}` (trainingKey). */
interface StoredTraining {
  readonly id: string;
  readonly phase: number;
  readonly index: number;
  readonly state: TrainState;
}

/** Changes to the saved weights of a run's front members: written as members join, deleted as they leave. */
export interface FrontWeightsChange {
  readonly members: readonly StoredFrontMember[];
  readonly put: readonly (readonly [StoredFrontMember, ArrayBuffer])[];
  readonly drop: readonly StoredFrontMember[];
}

/** Where a front member's weights are saved: beside the run's best weights, under the run's id. */
export const frontWeightsKey = (runId: string, m: { readonly phase: number; readonly index: number }): string =>
  `${runId}/front/${m.phase}:${m.index}`;
/** Where the model a person chose (Use this model) is saved with its run. */
export const chosenWeightsKey = (runId: string): string => `${runId}/chosen`;
/** Every weights key of a run other than its best's (front members, the chosen model, the final model). */
const runWeightsRange = (runId: string): IDBKeyRange => IDBKeyRange.bound(`${runId}/`, `${runId}/\uffff`);
/** The weights keys of a run's front members. */
const frontWeightsRange = (runId: string): IDBKeyRange => IDBKeyRange.bound(`${runId}/front/`, `${runId}/front/\uffff`);

interface EvolabDb extends DBSchema {
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: StoredCheckpoint };
  // `shapes` only under a final or chosen model's key; `best` describes a run's best weights (rows saved before finished
  // runs kept their model lack it: the checkpoint has it).
  weights: {
    key: string;
    value: {
      readonly id: string;
      readonly bytes: ArrayBuffer;
      readonly shapes?: number[][];
      readonly best?: StoredBest;
    };
  };
  trainings: { key: string; value: StoredTraining };
}

/** A best model in its stored form (see encodeBest). */
export interface EncodedBest {
  readonly best: StoredBest;
  readonly weights: ArrayBuffer;
}

/** The `weights` key of a run's final model (Train best longer): kept when the run ends, deleted with the run. */
function finalWeightsKey(id: string): string {
  return `${id}/final`;
}

/** The key of a kept training of a run. */
export function trainingKey(runId: string, phase: number, index: number): string {
  return `${runId}|${phase}|${index}`;
}

/** Every key of a run's kept trainings ('|' sorts below '~', and ids are UUIDs). */
const trainingsOf = (runId: string): IDBKeyRange => IDBKeyRange.bound(`${runId}|`, `${runId}|~`);

/** Kept trainings to write with a checkpoint: the new ones, and the keys of those no longer kept. */
export interface TrainingChanges {
  readonly put: readonly Continuation[];
  readonly drop: readonly string[];
}

type Store = StoreNames<EvolabDb>;
type WriteTx<S extends Store[]> = IDBPTransaction<EvolabDb, S, 'readwrite'>;

/** Thrown when the database cannot be opened at all (private mode, storage blocked, or the test hook). */
class StorageUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}

/** The lab's run store; one per worker. */
export class RunStore {
  /** Write transactions committed; the quota test hook counts them. */
  private writes = 0;

  private constructor(
    private readonly db: IDBPDatabase<EvolabDb>,
    private readonly faults: SimulatedFaults,
  ) {}

  /** Opens (and on first use creates) the database; throws StorageUnavailableError when storage is off. */
  static async open(faults: SimulatedFaults): Promise<RunStore> {
    if (faults.noStorage) throw new StorageUnavailableError('simulated by ?simulate=nostorage');
    if (typeof indexedDB === 'undefined') throw new StorageUnavailableError('this browser has no IndexedDB here');
    try {
      const db = await openDB<EvolabDb>(DB_NAME, DB_VERSION, {
        upgrade(d, oldVersion) {
          if (oldVersion < 1) {
            d.createObjectStore('runs', { keyPath: 'id' });
            d.createObjectStore('checkpoints', { keyPath: 'id' });
            d.createObjectStore('weights', { keyPath: 'id' });
          }
          if (oldVersion < 2) d.createObjectStore('trainings', { keyPath: 'id' });
        },
      });
      return new RunStore(db, faults);
    } catch (e) {
      throw new StorageUnavailableError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Every saved run record (with its run log). */
  async list(): Promise<RunRecord[]> {
    return this.db.getAll('runs');
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return this.db.get('runs', id);
  }

  /**
   * Saves a new or changed record (run start, import, end of a run), in one transaction with: `dropCheckpoint`, deleting
   * its checkpoint and kept trainings (a finished run cannot be continued); `model`, the best model kept as the run's
   * (null deletes it, undefined leaves the weights as they are).
   */
  async putRecord(
    record: RunRecord,
    opts: { readonly dropCheckpoint?: boolean; readonly model?: EncodedBest | null } = {},
  ): Promise<void> {
    const { dropCheckpoint = false, model } = opts;
    if (!dropCheckpoint && model === undefined)
      return this.write(['runs'], (tx) => [tx.objectStore('runs').put(record)]);
    return this.write(['runs', 'checkpoints', 'weights', 'trainings'], (tx) => [
      tx.objectStore('runs').put(record),
      ...(dropCheckpoint
        ? [
            tx.objectStore('checkpoints').delete(record.id),
            tx.objectStore('trainings').delete(trainingsOf(record.id)),
            // The front is the checkpoint's; a chosen or final model stays with the run.
            tx.objectStore('weights').delete(frontWeightsRange(record.id)),
          ]
        : []),
      ...(model === undefined
        ? []
        : [
            model === null
              ? tx.objectStore('weights').delete(record.id)
              : tx.objectStore('weights').put({ id: record.id, bytes: model.weights, best: model.best }),
          ]),
    ]);
  }

  /**
   * Saves a checkpoint with its record in one transaction. `weights`: the new best weights, null when there is no best
   * model, undefined when they have not changed since the last successful save (then they are not rewritten).
   * `trainings`: kept trainings new since the last successful save, and those no longer kept.
   */
  async putCheckpoint(
    record: RunRecord,
    engine: EngineState,
    best: StoredBest | null,
    weights: ArrayBuffer | null | undefined,
    trainings: TrainingChanges = { put: [], drop: [] },
    front?: FrontWeightsChange,
  ): Promise<void> {
    const checkpoint: StoredCheckpoint = {
      id: record.id,
      engine,
      best,
      ...(front ? { front: front.members } : {}),
      savedAt: record.updatedAt,
    };
    return this.write(['runs', 'checkpoints', 'weights', 'trainings'], (tx) => [
      tx.objectStore('runs').put(record),
      tx.objectStore('checkpoints').put(checkpoint),
      ...(weights === undefined
        ? []
        : [
            weights === null || best === null
              ? tx.objectStore('weights').delete(record.id)
              : tx.objectStore('weights').put({ id: record.id, bytes: weights, best }),
          ]),
      ...trainings.drop.map((key) => tx.objectStore('trainings').delete(key)),
      ...trainings.put.map((c) =>
        tx
          .objectStore('trainings')
          .put({ id: trainingKey(record.id, c.phase, c.index), phase: c.phase, index: c.index, state: c.state }),
      ),
      ...(front?.put ?? []).map(([m, bytes]) =>
        tx.objectStore('weights').put({ id: frontWeightsKey(record.id, m), bytes }),
      ),
      ...(front?.drop ?? []).map((m) => tx.objectStore('weights').delete(frontWeightsKey(record.id, m))),
    ]);
  }

  /** The best model kept with a run (its checkpoint's while it can go on, its own once finished), or null when none is. */
  async loadBest(id: string): Promise<BestModel | null> {
    const tx = this.db.transaction(['checkpoints', 'weights'], 'readonly');
    const [weights, cp] = await Promise.all([
      tx.objectStore('weights').get(id),
      tx.objectStore('checkpoints').get(id),
      tx.done,
    ]);
    const best = weights?.best ?? cp?.best ?? null;
    return weights && best ? decodeBest(best, weights.bytes) : null;
  }

  /** Saves the model a person chose (its weights) with the run's record, whose log names it as best, in one transaction. */
  async putChosen(record: RunRecord, weights: ArrayBuffer, shapes: number[][]): Promise<void> {
    return this.write(['runs', 'weights'], (tx) => [
      tx.objectStore('runs').put(record),
      tx.objectStore('weights').put({ id: chosenWeightsKey(record.id), bytes: weights, shapes }),
    ]);
  }

  /** The weights of the model a person chose for a run (Use this model), or undefined when none was chosen. */
  async getChosenWeights(
    id: string,
  ): Promise<{ readonly bytes: ArrayBuffer; readonly shapes: number[][] } | undefined> {
    const w = await this.db.get('weights', chosenWeightsKey(id));
    return w?.shapes ? { bytes: w.bytes, shapes: w.shapes } : undefined;
  }

  /** The checkpoint a resume starts from; throws when it is missing or its weights do not match. */
  async loadCheckpoint(id: string): Promise<RunCheckpoint> {
    const tx = this.db.transaction(['checkpoints', 'weights', 'trainings'], 'readonly');
    const [cp, weights, trainings] = await Promise.all([
      tx.objectStore('checkpoints').get(id),
      tx.objectStore('weights').get(id),
      tx.objectStore('trainings').getAll(trainingsOf(id)),
    ]);
    const members = cp?.front ?? [];
    const frontWeights = await Promise.all(members.map((m) => tx.objectStore('weights').get(frontWeightsKey(id, m))));
    await tx.done;
    if (!cp) throw new Error('this run has no saved checkpoint to resume from');
    if (cp.best && !weights) throw new Error('the saved best weights of this run are missing');
    const continuations = trainings.map((t) => ({ phase: t.phase, index: t.index, state: t.state }));
    const front: FrontModel[] = members.map((m, i) => {
      const w = frontWeights[i];
      if (!w) throw new Error(`the saved weights of front member ${m.phase}:${m.index} of this run are missing`);
      return { ...decodeBest(m, w.bytes), phase: m.phase, index: m.index };
    });
    return {
      engine: cp.engine,
      best: cp.best && weights ? decodeBest(cp.best, weights.bytes) : null,
      ...(continuations.length > 0 ? { continuations } : {}),
      ...(cp.front ? { front } : {}),
    };
  }

  /** Deletes a run and everything saved with it, in one transaction. */
  async delete(id: string): Promise<void> {
    return this.write(['runs', 'checkpoints', 'weights', 'trainings'], (tx) => [
      tx.objectStore('runs').delete(id),
      tx.objectStore('checkpoints').delete(id),
      tx.objectStore('weights').delete(id),
      // The final model's, the chosen model's and the front members' weights.
      tx.objectStore('weights').delete(runWeightsRange(id)),
      tx.objectStore('trainings').delete(trainingsOf(id)),
    ]);
  }

  /** Saves a run's record (with `final` in its run log) and its final model's weights, in one transaction. */
  async putFinal(record: RunRecord, weights: ArrayBuffer, shapes: number[][]): Promise<void> {
    return this.write(['runs', 'weights'], (tx) => [
      tx.objectStore('runs').put(record),
      tx.objectStore('weights').put({ id: finalWeightsKey(record.id), bytes: weights, shapes }),
    ]);
  }

  /** The final model's weights of a run, or undefined when none were saved. */
  async getFinalWeights(id: string): Promise<{ readonly bytes: ArrayBuffer; readonly shapes: number[][] } | undefined> {
    const w = await this.db.get('weights', finalWeightsKey(id));
    return w?.shapes ? { bytes: w.bytes, shapes: w.shapes } : undefined;
  }

  /** Runs `requests` in one readwrite transaction and waits for its commit; on any failure the transaction is aborted. */
  private async write<S extends Store[]>(stores: S, requests: (tx: WriteTx<S>) => Promise<unknown>[]): Promise<void> {
    const tx = this.db.transaction(stores, 'readwrite');
    const done = tx.done;
    try {
      const quota = this.faults.quotaAfterWrites;
      if (quota !== null && this.writes >= quota) {
        throw new DOMException('The quota has been exceeded (simulated by ?simulate=quota).', 'QuotaExceededError');
      }
      // Requests are issued synchronously and only then awaited: awaiting anything else would auto-commit the transaction.
      await Promise.all([...requests(tx), done]);
      this.writes++;
    } catch (e) {
      try {
        tx.abort();
      } catch {
        // Already finished or aborted by the failure itself: nothing was written either way.
      }
      await done.catch(() => undefined);
      throw e;
    }
  }
}
