/** Pure helpers of the run store: weights to and from one binary buffer, fault names and messages, history rows. */
import type { BestModel } from '../experiment/run';
import type { RunLog } from '../experiment/runlog';
import type { Chromosome } from '../ga/chromosome';
import type { DatasetDescriptor, StorageFault, StoredRunStatus, StoredRunSummary } from './types';
import { packWeights, unpackWeights } from '../experiment/weights';

export { packWeights, unpackWeights };

/** The best model of a checkpoint as stored: chromosome and shapes as JSON, the weights as one float32 buffer. */
export interface StoredBest {
  readonly chromosome: Chromosome;
  readonly fitness: number;
  readonly shapes: number[][];
}

/** A front member of a checkpoint as stored: its place with the best model's JSON part (weights saved apart). */
export interface StoredFrontMember extends StoredBest {
  readonly phase: number;
  readonly index: number;
}

/** The stored form of a best model: the JSON part and the weights buffer. */
export function encodeBest(best: BestModel): { best: StoredBest; weights: ArrayBuffer } {
  return {
    best: { chromosome: best.chromosome, fitness: best.fitness, shapes: best.weights.shapes.map((s) => s.slice()) },
    weights: packWeights(best.weights.values),
  };
}

/** A best model from its stored form. */
export function decodeBest(best: StoredBest, weights: ArrayBuffer): BestModel {
  return {
    chromosome: best.chromosome,
    fitness: best.fitness,
    weights: { shapes: best.shapes.map((s) => s.slice()), values: unpackWeights(weights, best.shapes) },
  };
}

/** Names a failed write: the quota (also when it surfaces as the transaction's abort), storage off, or other. */
export function classifyStorageError(e: unknown): StorageFault {
  const names: string[] = [];
  let cur: unknown = e;
  // idb rejects tx.done with the transaction's error; an abort may wrap the cause.
  for (let depth = 0; depth < 3 && cur !== null && typeof cur === 'object'; depth++) {
    const rec = cur as { name?: unknown; cause?: unknown };
    if (typeof rec.name === 'string') names.push(rec.name);
    cur = rec.cause;
  }
  if (names.includes('QuotaExceededError')) return 'quota';
  if (names.some((n) => n === 'InvalidStateError' || n === 'SecurityError' || n === 'UnknownError'))
    return 'unavailable';
  return 'other';
}

/** What a person reads when saving fails; the run itself always goes on in memory. */
export function faultMessage(fault: StorageFault, detail: string): string {
  switch (fault) {
    case 'quota':
      return 'Browser storage is full (quota exceeded): this run is no longer being saved and goes on in memory. What was saved before is intact; delete old runs in Run history to make room.';
    case 'unavailable':
      return `Browser storage is unavailable (private browsing, or storage blocked for this site): runs are not saved and cannot be resumed after a reload. The lab works otherwise. (${detail})`;
    case 'other':
      return `Saving the run failed (${detail}): it goes on in memory; what was saved before is intact.`;
  }
}

/**
 * The test hook of `?simulate=...` (read by the page, handed to the worker), faults separated by commas: `quota` makes
 * every IndexedDB write fail with a QuotaExceededError DOMException; `quota:N` lets the first N write transactions
 * succeed first; `nostorage` makes opening the database fail as in private mode; `crash:N` makes the worker die of an
 * uncaught error once N candidates are evaluated and saved; `abort:N` makes the training step after N evaluated
 * candidates hit a wasm abort (out of memory); `noopfs` makes the browser refuse the space for the copy of a run's file
 * (src/worker/datasetCache.ts). Anything else is ignored.
 */
export interface SimulatedFaults {
  readonly quotaAfterWrites: number | null;
  readonly noStorage: boolean;
  readonly crashAfter: number | null;
  readonly abortAfter: number | null;
  readonly noOpfs: boolean;
}

/** Parses the `simulate` query value (see SimulatedFaults). */
export function parseSimulate(value: string | null | undefined): SimulatedFaults {
  const faults = {
    quotaAfterWrites: null as number | null,
    noStorage: false,
    crashAfter: null as number | null,
    abortAfter: null as number | null,
    noOpfs: false,
  };
  for (const part of (value ?? '').split(',').map((p) => p.trim())) {
    const m = /^(quota|crash|abort)(?::(\d+))?$/.exec(part);
    if (part === 'nostorage') faults.noStorage = true;
    else if (part === 'noopfs') faults.noOpfs = true;
    else if (m?.[1] === 'quota') faults.quotaAfterWrites = m[2] === undefined ? 0 : Number(m[2]);
    else if (m?.[1] === 'crash') faults.crashAfter = m[2] === undefined ? 0 : Number(m[2]);
    else if (m?.[1] === 'abort') faults.abortAfter = m[2] === undefined ? 0 : Number(m[2]);
  }
  return faults;
}

/** The saved record of one run (the `runs` store). */
export interface RunRecord {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** `running` until the run ends; read as `interrupted` when no tab holds its lock. */
  readonly status: StoredRunStatus;
  readonly imported: boolean;
  readonly dataset: DatasetDescriptor;
  /** The run log so far: the same format as the run-log download (src/experiment/runlog.ts). */
  readonly runLog: RunLog;
  readonly seconds: number;
  /** True when the `checkpoints` store holds this run's engine state. */
  readonly hasCheckpoint: boolean;
}

/** Counts and best scores of a run log, for its history row. */
export function logStats(log: RunLog): {
  evaluated: number;
  planned: number;
  bestAccuracy: number | null;
  testAccuracy: number | null;
} {
  let evaluated = 0;
  let bestAccuracy: number | null = null;
  for (const p of log.phases) {
    for (const ind of p.individuals) {
      if (!ind) continue;
      evaluated++;
      if (ind.fitness !== null && (bestAccuracy === null || ind.fitness > bestAccuracy)) bestAccuracy = ind.fitness;
    }
  }
  const planned = (log.config?.populationSize ?? 0) * log.phasesPlanned;
  return { evaluated, planned, bestAccuracy, testAccuracy: log.best?.testAccuracy ?? null };
}

/**
 * The history row of a record; `lock` says whether some tab holds the run's lock and whether that tab is this one,
 * `fileNeeded` why resuming it asks for its file again (src/worker/storage.ts).
 */
export function storedRunSummary(
  record: RunRecord,
  lock: { held: boolean; mine: boolean },
  fileNeeded: string | null = null,
): StoredRunSummary {
  const running = record.status === 'running';
  const status: StoredRunStatus = running && !lock.held ? 'interrupted' : record.status;
  return {
    id: record.id,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    status,
    elsewhere: running && lock.held && !lock.mine,
    resumable: record.hasCheckpoint && (status === 'interrupted' || status === 'stopped'),
    imported: record.imported,
    dataset: record.dataset,
    config: record.runLog.config,
    backend: { name: record.runLog.backend.name, reason: record.runLog.backend.reason },
    ...logStats(record.runLog),
    seconds: record.seconds,
    fileNeeded,
  };
}

/** The name of the Web Lock a tab holds while it drives a run. */
export function runLockName(id: string): string {
  return `evolab-run:${id}`;
}
