/** src/persist: weights round-trip bit for bit, run logs replay to themselves, and a recorded run resumes to the same log. */
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { RunController } from '../../../src/experiment/control';
import { runEvolution, type BestModel, type RunCheckpoint } from '../../../src/experiment/run';
import { withoutTimings, type RunLog } from '../../../src/experiment/runlog';
import { runLogFromEvents } from '../../../src/experiment/runlogBuilder';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';
import type { EngineState } from '../../../src/ga/types';
import { Rng } from '../../../src/ga/rng';
import {
  classifyStorageError,
  decodeBest,
  encodeBest,
  packWeights,
  parseSimulate,
  storedRunSummary,
  unpackWeights,
  type RunRecord,
  type StoredBest,
} from '../../../src/persist/codec';
import type { RunStore } from '../../../src/persist/db';
import { RunRecorder } from '../../../src/persist/recorder';
import { runLogToEvents } from '../../../src/persist/replay';
import type { StorageNotice } from '../../../src/persist/types';
import { logDataset } from '../../../src/worker/storage';
import { useWasm } from '../../helpers/wasm-setup';

const bytesOf = (a: Float32Array): number[] => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('weights codec', () => {
  it('packs and unpacks Float32Array weights bit for bit (NaN payloads, -0, subnormals, infinities)', () => {
    const rng = Rng.fromSeed(3);
    const shapes = [[3, 3, 1, 4], [4], [2, 5], [1]];
    const values = shapes.map((s) =>
      Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (rng.next() - 0.5) * 1e3),
    );
    const special = values[1] as Float32Array;
    special[0] = -0;
    special[1] = 1e-45;
    special[2] = Number.POSITIVE_INFINITY;
    new DataView(special.buffer).setUint32(12, 0x7fc00123, true); // a NaN with a payload
    // IndexedDB stores the buffer by structured clone: do the same.
    const stored = structuredClone(packWeights(values));
    const back = unpackWeights(stored, shapes);
    expect(back.map(bytesOf)).toEqual(values.map(bytesOf));
    expect(back.map((v) => v.length)).toEqual([36, 4, 10, 1]);
  });

  it('refuses weights that do not match their shapes', () => {
    const buf = packWeights([new Float32Array(6)]);
    expect(() => unpackWeights(buf, [[2, 2]])).toThrow(/hold 6 values but their shapes need 4/);
    expect(() => unpackWeights(new ArrayBuffer(7), [[1]])).toThrow(/not a whole number/);
  });

  it('encodes a best model into JSON plus one buffer and back', () => {
    const best = {
      chromosome: { conv: [], optimizer: 'adam', learningRate: 0.001 } as never,
      fitness: 0.5,
      weights: { shapes: [[2], [1, 3]], values: [Float32Array.of(1, 2), Float32Array.of(3, 4, 5)] },
    };
    const { best: json, weights } = encodeBest(best);
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      chromosome: best.chromosome,
      fitness: 0.5,
      shapes: [[2], [1, 3]],
    });
    expect(decodeBest(json, weights)).toEqual(best);
  });
});

describe('storage faults and the test hook', () => {
  it('names quota errors however they surface', () => {
    expect(classifyStorageError(new DOMException('full', 'QuotaExceededError'))).toBe('quota');
    expect(classifyStorageError({ name: 'AbortError', cause: new DOMException('full', 'QuotaExceededError') })).toBe(
      'quota',
    );
    expect(classifyStorageError(new DOMException('no', 'InvalidStateError'))).toBe('unavailable');
    expect(classifyStorageError(new Error('boom'))).toBe('other');
  });

  it('parses ?simulate=', () => {
    const none = { quotaAfterWrites: null, noStorage: false, crashAfter: null, abortAfter: null, noOpfs: false };
    expect(parseSimulate('quota')).toEqual({ ...none, quotaAfterWrites: 0 });
    expect(parseSimulate('quota:3')).toEqual({ ...none, quotaAfterWrites: 3 });
    expect(parseSimulate('nostorage')).toEqual({ ...none, noStorage: true });
    expect(parseSimulate(null)).toEqual(none);
    expect(parseSimulate('quota:x')).toEqual(none);
    expect(parseSimulate('crash:2')).toEqual({ ...none, crashAfter: 2 });
    expect(parseSimulate('abort:1, quota:4')).toEqual({ ...none, abortAfter: 1, quotaAfterWrites: 4 });
    expect(parseSimulate('noopfs,crash:1')).toEqual({ ...none, noOpfs: true, crashAfter: 1 });
  });
});

/** An in-memory stand-in for RunStore with IndexedDB's semantics that matter here: values are structured clones, each write is all or nothing. */
class MemoryStore {
  runs = new Map<string, RunRecord>();
  checkpoints = new Map<string, { engine: EngineState; best: StoredBest | null }>();
  weights = new Map<string, { bytes: ArrayBuffer; best?: StoredBest }>();
  writes = 0;
  constructor(private readonly failFrom = Infinity) {}

  private guard(): void {
    if (this.writes >= this.failFrom) throw new DOMException('simulated', 'QuotaExceededError');
    this.writes++;
  }
  async putRecord(
    record: RunRecord,
    opts: { dropCheckpoint?: boolean; model?: { best: StoredBest; weights: ArrayBuffer } | null } = {},
  ): Promise<void> {
    this.guard();
    this.runs.set(record.id, structuredClone(record));
    if (opts.dropCheckpoint) this.checkpoints.delete(record.id);
    if (opts.model === null) this.weights.delete(record.id);
    else if (opts.model)
      this.weights.set(record.id, structuredClone({ bytes: opts.model.weights, best: opts.model.best }));
  }
  async putCheckpoint(
    record: RunRecord,
    engine: EngineState,
    best: StoredBest | null,
    weights: ArrayBuffer | null | undefined,
  ): Promise<void> {
    this.guard();
    this.runs.set(record.id, structuredClone(record));
    this.checkpoints.set(record.id, structuredClone({ engine, best }));
    if (weights === null || best === null) this.weights.delete(record.id);
    else if (weights !== undefined) this.weights.set(record.id, structuredClone({ bytes: weights, best }));
  }
  async get(id: string): Promise<RunRecord | undefined> {
    const r = this.runs.get(id);
    return r && structuredClone(r);
  }
  async loadCheckpoint(id: string): Promise<RunCheckpoint> {
    const cp = this.checkpoints.get(id);
    if (!cp) throw new Error('no checkpoint');
    const w = this.weights.get(id);
    return {
      engine: structuredClone(cp.engine),
      best: cp.best && w ? decodeBest(cp.best, structuredClone(w.bytes)) : null,
    };
  }
  async loadBest(id: string): Promise<BestModel | null> {
    const w = this.weights.get(id);
    const best = w?.best ?? this.checkpoints.get(id)?.best ?? null;
    return w && best ? decodeBest(best, structuredClone(w.bytes)) : null;
  }
  /** A copy of everything saved: what a crashed tab leaves behind. */
  snapshot(): MemoryStore {
    const copy = new MemoryStore();
    copy.runs = structuredClone(this.runs);
    copy.checkpoints = structuredClone(this.checkpoints);
    copy.weights = structuredClone(this.weights);
    return copy;
  }
  asStore(): RunStore {
    return this as unknown as RunStore;
  }
}

const CONFIG: RunConfig = {
  seed: 13,
  populationSize: 2,
  generations: 1,
  crossoverRate: 0.5,
  mutationRate: 0.3,
  maxFilters: 2,
  epochs: 1,
  batchSize: 16,
  patience: 0,
  augmentFlip: false,
  network: { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 },
  perClass: 3,
};
const BACKEND = { name: 'wasm', reason: 'test', software: false } as const;

describe('run log replay', () => {
  const events: RunEvent[] = [];
  let full: RunLog;
  beforeAll(async () => {
    await useWasm();
    const data = syntheticDataset(6, 4);
    const splits = makeSplits(data, { mode: 'canonical', seed: CONFIG.seed, perClassCap: CONFIG.perClass }).splits;
    await runEvolution({
      config: CONFIG,
      data,
      splits,
      backend: BACKEND,
      control: new RunController(),
      emit: (e) => events.push(e),
    });
    full = runLogFromEvents(events, { dataset: logDataset(CONFIG, data, splits) });
  }, 120_000);

  it('turns a finished run log back into events that rebuild it', () => {
    expect(full.outcome).toBe('done');
    expect(full.best?.testAccuracy).toEqual(expect.any(Number));
    const again = runLogFromEvents(runLogToEvents(full), { dataset: full.dataset });
    expect(withoutTimings(again)).toEqual(withoutTimings(full));
  });

  it('does the same for a log cut mid-run (no phase-done, no result)', () => {
    const firstEvaluated = events.findIndex((e) => e.type === 'evaluated');
    const partial = runLogFromEvents(events.slice(0, firstEvaluated + 1), { dataset: full.dataset });
    const replayed = runLogToEvents(partial);
    expect(replayed.map((e) => e.type)).toEqual(['run-started', 'evaluated']);
    expect(withoutTimings(runLogFromEvents(replayed, { dataset: full.dataset }))).toEqual(withoutTimings(partial));
  });
});

describe('RunRecorder', () => {
  beforeAll(useWasm);

  /** Runs CONFIG, saving through `store`; `stopAfter` checkpoints, it takes a snapshot of the store and stops. */
  async function recordedRun(
    store: MemoryStore,
    notices: StorageNotice[],
    resumeFrom?: { store: MemoryStore; id: string },
  ): Promise<{ id: string; best: BestModel | null; crashed?: MemoryStore }> {
    const data = syntheticDataset(6, 4);
    const splits = makeSplits(data, { mode: 'canonical', seed: CONFIG.seed, perClassCap: CONFIG.perClass }).splits;
    const notify = (n: StorageNotice): void => void notices.push(n);
    const taken = resumeFrom ? await RunRecorder.resume(resumeFrom.store.asStore(), resumeFrom.id, notify) : null;
    const recorder =
      taken?.recorder ??
      (await RunRecorder.start(
        store.asStore(),
        { kind: 'sample', name: data.name, count: data.count, perClass: 6, seed: 4 },
        logDataset(CONFIG, data, splits),
        notify,
      ));
    const control = new RunController();
    let crashed: MemoryStore | undefined;
    let checkpoints = 0;
    let best: BestModel | null = null;
    try {
      const result = await runEvolution({
        config: CONFIG,
        data,
        splits,
        backend: BACKEND,
        control,
        emit: (e) => recorder.event(e),
        ...(taken ? { resume: taken.checkpoint } : {}),
        onCheckpoint: async (cp) => {
          await recorder.checkpoint(cp);
          // Checkpoint 1 follows the initial draw; 3 follows the second evaluated candidate (mid-run, best weights saved).
          if (!resumeFrom && ++checkpoints === 3) {
            crashed = store.snapshot();
          }
        },
      });
      await recorder.finish(result.outcome, result.best);
      best = result.best;
    } finally {
      recorder.release();
    }
    return { id: recorder.id, best, ...(crashed ? { crashed } : {}) };
  }

  it('saves after every candidate, and a run resumed from a mid-run save ends with the uninterrupted log', async () => {
    const store = new MemoryStore();
    const notices: StorageNotice[] = [];
    const { id, best, crashed } = await recordedRun(store, notices);
    const done = store.runs.get(id) as RunRecord;
    expect(done.status).toBe('done');
    expect(done.runLog.outcome).toBe('done');
    // A finished run keeps no checkpoint, and keeps its best model: the run's own result, bit for bit, described without the checkpoint.
    expect(store.checkpoints.has(id)).toBe(false);
    expect(best).not.toBeNull();
    expect(store.weights.get(id)?.best).toEqual(best && encodeBest(best).best);
    const kept = await store.loadBest(id);
    expect(kept?.chromosome).toEqual(best?.chromosome);
    expect(kept?.fitness).toBe(done.runLog.best?.valAccuracy);
    expect(kept?.weights.shapes).toEqual(best?.weights.shapes);
    expect(kept?.weights.values.map(bytesOf)).toEqual(best?.weights.values.map(bytesOf));
    expect(
      notices
        .filter((n) => n.kind === 'saved')
        .map((n) => (n.kind === 'saved' ? n.evaluated : -1))
        .slice(0, 3),
    ).toEqual([0, 1, 2]);

    // What the "crashed" tab had saved: running, two candidates, the best weights.
    expect(crashed).toBeDefined();
    const saved = (crashed as MemoryStore).runs.get(id) as RunRecord;
    expect(saved.status).toBe('running');
    expect(storedRunSummary(saved, { held: false, mine: false })).toMatchObject({
      status: 'interrupted',
      resumable: true,
      evaluated: 2,
      planned: 4,
    });
    expect(storedRunSummary(saved, { held: true, mine: false })).toMatchObject({
      status: 'running',
      elsewhere: true,
      resumable: false,
    });
    expect((crashed as MemoryStore).weights.has(id)).toBe(true);

    const resumedNotices: StorageNotice[] = [];
    await recordedRun(crashed as MemoryStore, resumedNotices, { store: crashed as MemoryStore, id });
    const resumed = (crashed as MemoryStore).runs.get(id) as RunRecord;
    expect(resumed.status).toBe('done');
    expect(resumed.createdAt).toBe(done.createdAt);
    expect(withoutTimings(resumed.runLog)).toEqual(withoutTimings(done.runLog));
    // The resumed run keeps the same model as the uninterrupted one.
    expect((await (crashed as MemoryStore).loadBest(id))?.weights.values.map(bytesOf)).toEqual(
      kept?.weights.values.map(bytesOf),
    );
  }, 240_000);

  it('reports a full quota once, keeps the last good save intact, and the run still completes', async () => {
    // Writes 1-3 succeed (record, initial draw, first candidate); every later one fails like a full disk.
    const store = new MemoryStore(3);
    const notices: StorageNotice[] = [];
    const { id } = await recordedRun(store, notices);
    const faults = notices.filter((n) => n.kind === 'fault');
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({
      fault: 'quota',
      message: expect.stringMatching(/quota exceeded.*goes on in memory/),
    });
    expect(notices.at(-1)).toEqual({ kind: 'finished', runId: id, saved: false });
    const kept = store.runs.get(id) as RunRecord;
    expect(kept.status).toBe('running');
    expect(storedRunSummary(kept, { held: false, mine: false })).toMatchObject({
      status: 'interrupted',
      evaluated: 1,
      resumable: true,
    });
    await expect(store.loadCheckpoint(id)).resolves.toMatchObject({ best: { fitness: expect.any(Number) } });
    // The model kept is the one of the last good save (the first candidate's): the weights and their description go together.
    expect((await store.loadBest(id))?.fitness).toBe(kept.runLog.phases[0]?.individuals[0]?.fitness);
  }, 240_000);
});
