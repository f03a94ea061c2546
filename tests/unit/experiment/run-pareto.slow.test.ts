/** A two-objective search that really trains (synthetic sample, wasm): the front, latencies, kept weights and run.json fields. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { dominates } from '../../../src/ga';
import { RunController } from '../../../src/experiment/control';
import { evaluateModel, runEvolution, type RunCheckpoint } from '../../../src/experiment/run';
import { runLogFromEvents } from '../../../src/experiment/runlogBuilder';
import { parseRunLog } from '../../../src/experiment/runlogParser';
import type { IndividualRecord, RunConfig, RunEvent } from '../../../src/experiment/types';
import { measureLatency } from '../../../src/ml/latency';
import { buildModel } from '../../../src/ml/model';
import { useWasm } from '../../helpers/wasm-setup';

const config: RunConfig = {
  seed: 3,
  populationSize: 4,
  generations: 2,
  crossoverRate: 0.6,
  mutationRate: 0.6,
  maxFilters: 4,
  epochs: 1,
  batchSize: 16,
  patience: 0,
  augmentFlip: false,
  network: { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 },
  perClass: 6,
  objectives: ['accuracy', 'params'],
};
const data = syntheticDataset(6, 3);
const splits = makeSplits(data, { mode: 'canonical', seed: 3 }).splits;
const backend = { name: 'wasm', reason: 'test', software: false } as const;
const dataset = {
  name: data.name,
  synthetic: true,
  count: data.count,
  split: 'canonical',
  train: splits.train.length,
  val: splits.val.length,
  test: splits.test.length,
};

const WEIGHTS = [1, -1] as const;
const vec = (r: IndividualRecord): number[] => [r.objectives?.accuracy ?? NaN, r.objectives?.params ?? NaN];
const sameChromosome = (a: IndividualRecord, b: IndividualRecord): boolean =>
  JSON.stringify(a.chromosome) === JSON.stringify(b.chromosome);

describe('a two-objective search (accuracy, parameters) on the synthetic sample', () => {
  beforeAll(useWasm);

  it("keeps a front no evaluated candidate dominates that dominates every other one, with measured latencies and the front's weights", async () => {
    const events: RunEvent[] = [];
    const checkpoints: RunCheckpoint[] = [];
    const before = tf.memory().numTensors;
    const result = await runEvolution({
      config,
      data,
      splits,
      backend,
      control: new RunController(),
      emit: (e) => events.push(e),
      onCheckpoint: (cp) => void checkpoints.push(cp),
    });
    expect(result.outcome).toBe('done');
    expect(tf.memory().numTensors).toBe(before);
    const log = parseRunLog(JSON.stringify(runLogFromEvents(events, { dataset })));
    expect(log.config.objectives).toEqual(['accuracy', 'params']);
    const records = log.phases.flatMap((p) => p.individuals);
    const ok = records.filter((r) => r.status === 'trained' || r.status === 'cached');
    expect(ok.length).toBeGreaterThan(4);
    for (const r of ok) {
      expect(r.objectives?.accuracy).toBe(r.fitness);
      expect(r.objectives?.params).toBe(r.params);
      expect(r.objectives?.flops).toBeGreaterThan(0);
      expect(r.objectives?.latencyMs).toBeGreaterThan(0);
    }
    const last = log.phases.at(-1);
    const front = (last?.front ?? []).map((ref) => log.phases[ref.phase]?.individuals[ref.index] as IndividualRecord);
    expect(front.length).toBeGreaterThan(0);
    for (const m of front)
      for (const o of ok) expect(dominates(vec(o), vec(m), WEIGHTS), 'a front member is dominated').toBe(false);
    for (const o of ok) {
      const covered = front.some(
        (m) => dominates(vec(m), vec(o), WEIGHTS) || sameChromosome(m, o) || vec(m).join() === vec(o).join(),
      );
      expect(covered, `phase ${o.phase} #${o.index} is neither on the front nor dominated`).toBe(true);
    }
    // Every phase has its front; the run's best is the front's most accurate member, tested on the test split.
    for (const p of log.phases) expect(p.front?.length).toBeGreaterThan(0);
    expect(log.best).toMatchObject({ phase: front[0]?.phase, index: front[0]?.index, valAccuracy: front[0]?.fitness });
    expect(log.best?.testAccuracy).not.toBeNull();
    expect(log.best?.chosen).toBeUndefined();
    // The weights of exactly the front members are kept, and they are the trained ones: re-evaluating gives their accuracy.
    expect(result.front.map((m) => [m.phase, m.index])).toEqual(front.map((m) => [m.phase, m.index]));
    for (const m of result.front) {
      const val = await evaluateModel(m, config.network, data, splits.val);
      expect(val.accuracy).toBeCloseTo(m.fitness, 6);
    }
    expect(checkpoints.at(-1)?.front?.map((m) => [m.phase, m.index])).toEqual(front.map((m) => [m.phase, m.index]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a resume from a checkpoint in the middle gives the same run log, timings and latencies aside', async () => {
    const events: RunEvent[] = [];
    const checkpoints: RunCheckpoint[] = [];
    await runEvolution({
      config,
      data,
      splits,
      backend,
      control: new RunController(),
      emit: (e) => events.push(e),
      onCheckpoint: (cp) =>
        void checkpoints.push(JSON.parse(JSON.stringify({ ...cp, best: null, front: [] })) as RunCheckpoint),
    });
    const straight = runLogFromEvents(events, { dataset });
    // A checkpoint in phase 1 (after its second candidate): engine state only, so the kept weights come back empty; the log must not care.
    const mid = checkpoints.find((cp) => cp.engine.phase === 1 && cp.engine.cursor === 2);
    expect(mid).toBeDefined();
    if (!mid) return;
    const resumed: RunEvent[] = [];
    await runEvolution({
      config,
      data,
      splits,
      backend,
      control: new RunController(),
      emit: (e) => resumed.push(e),
      resume: mid,
    });
    const results = (es: RunEvent[]): unknown[] =>
      es.flatMap((e): unknown[] => {
        if (e.type === 'evaluated') {
          const { memory: _m, seconds: _s, ...rest } = e;
          return [{ ...rest, ...(rest.objectives ? { objectives: { ...rest.objectives, latencyMs: 0 } } : {}) }];
        }
        if (e.type === 'phase-done') return [{ ...e, seconds: 0 }];
        return e.type === 'front' ? [e] : [];
      });
    const tail = results(resumed);
    expect(tail.length).toBeGreaterThan(4);
    expect(tail).toEqual(results(events).slice(-tail.length));
    const resumedLog = runLogFromEvents(resumed, { dataset });
    expect(resumedLog.phases.at(-1)?.front).toEqual(straight.phases.at(-1)?.front);
    expect(resumedLog.best?.chromosome).toEqual(straight.best?.chromosome);
  });
});

describe('measureLatency', () => {
  beforeAll(useWasm);

  it('is the median of timed batch-1 predictions after warm-up, and leaves no tensor behind', async () => {
    const model = buildModel(
      {
        conv: Array.from({ length: 6 }, () => ({ filters: 2, kernel: 3, activation: 'relu' as const })),
        optimizer: 'adam',
        learningRate: 0.001,
      },
      { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 },
    );
    const before = tf.memory().numTensors;
    let t = 0;
    // A fake clock: each call advances by the next step, so the timed runs take 5, 1, 9 ms (warm-up calls are not timed).
    const steps = [0, 0, 5, 0, 1, 0, 9];
    const ms = await measureLatency(model, { warmup: 2, runs: 3, now: () => (t += steps.shift() ?? 0) });
    expect(ms).toBe(5);
    expect(await measureLatency(model)).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
