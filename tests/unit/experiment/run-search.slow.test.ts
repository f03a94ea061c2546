/** A run that spends less, with the real trainer on wasm: budgets, successive halving with continued trainings, resume mid-rung. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { networkCost } from '../../../src/ml/model';
import { trainCandidate, type TrainProgress } from '../../../src/ml/train';
import { RunController } from '../../../src/experiment/control';
import { runEvolution, type RunCheckpoint } from '../../../src/experiment/run';
import { withoutTimings, type RunLog } from '../../../src/experiment/runlog';
import { RunLogBuilder } from '../../../src/experiment/runlogBuilder';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';
import { DEFAULT_RUN_CONFIG } from '../../../src/settings';
import { bestVsSeconds } from '../../../src/experiment/curves';
import { useWasm } from '../../helpers/wasm-setup';

const data = syntheticDataset(12, 3);
const config = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_RUN_CONFIG,
  seed: 3,
  populationSize: 4,
  generations: 1,
  epochs: 3,
  batchSize: 16,
  patience: 0,
  perClass: 6,
  maxFilters: 4,
  network: { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.25 },
  ...over,
});
const backend = { name: 'wasm', reason: 'test', software: false } as const;

interface Recorded {
  readonly log: RunLog;
  readonly events: RunEvent[];
  readonly checkpoints: { cp: RunCheckpoint; log: RunLog; events: number }[];
  readonly outcome: 'done' | 'stopped';
}

async function evolve(
  cfg: RunConfig,
  opts: { resumeFrom?: { cp: RunCheckpoint; log: RunLog }; train?: typeof trainCandidate } = {},
): Promise<Recorded> {
  const splits = makeSplits(data, { mode: 'canonical', seed: cfg.seed, perClassCap: cfg.perClass }).splits;
  const meta = {
    dataset: {
      name: data.name,
      synthetic: true,
      count: data.count,
      split: 'canonical',
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
    },
  };
  const builder = opts.resumeFrom ? RunLogBuilder.from(opts.resumeFrom.log) : new RunLogBuilder(meta);
  const events: RunEvent[] = [];
  const checkpoints: Recorded['checkpoints'] = [];
  const result = await runEvolution({
    config: cfg,
    data,
    splits,
    backend,
    control: new RunController(),
    emit: (e) => {
      events.push(e);
      builder.add(e);
    },
    ...(opts.resumeFrom ? { resume: opts.resumeFrom.cp } : {}),
    ...(opts.train ? { train: opts.train } : {}),
    onCheckpoint: (cp) => {
      checkpoints.push({ cp, log: builder.toJSON(), events: events.length });
    },
  });
  return { log: builder.toJSON(), events, checkpoints, outcome: result.outcome };
}

describe('a run with budgets and successive halving (wasm)', () => {
  beforeAll(useWasm);

  it('records over-budget candidates with their cost, never trains them, and never makes them the best', async () => {
    const cfg = config({ maxFilters: 16, populationSize: 6, maxMflops: 2 });
    const before = tf.memory().numTensors;
    const trained: string[] = [];
    const spy: typeof trainCandidate = (input, o) => {
      trained.push(JSON.stringify(input.chromosome));
      return trainCandidate(input, o);
    };
    // budgetRedraws cannot make every draw fit so tight a budget: some are recorded over budget.
    const { log } = await evolve(cfg, { train: spy });
    const all = log.phases.flatMap((p) => p.individuals);
    const over = all.filter((i) => i.status === 'over-budget');
    expect(over.length).toBeGreaterThan(0);
    for (const i of over) {
      expect(i.fitness).toBeNull();
      expect(i.epochsTrained).toBe(0);
      expect(i.flops).toBe(networkCost(i.chromosome, cfg.network).flops);
      expect(i.flops).toBeGreaterThan(2e6);
      expect(i.reason).toMatch(/MFLOPs per image exceed the budget of 2$/);
      expect(trained).not.toContain(JSON.stringify(i.chromosome));
    }
    for (const i of all.filter((x) => x.status === 'trained')) expect(i.flops).toBeLessThanOrEqual(2e6);
    expect(log.best?.chromosome && networkCost(log.best.chromosome, cfg.network).flops).toBeLessThanOrEqual(2e6);
    expect(log.config.maxMflops).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a candidate past its time budget is stopped and recorded over budget with the time it used; it is never the best', async () => {
    // A clock that runs fast for one chromosome: the trainer sees it pass the budget after a batch or two.
    const cfg = config({ maxSeconds: 30, generations: 0 });
    let slow = '';
    const train: typeof trainCandidate = (input, o = {}) => {
      if (!slow) slow = JSON.stringify(input.chromosome);
      const fast = JSON.stringify(input.chromosome) === slow;
      let t = 0;
      return trainCandidate(input, { ...o, ...(fast ? { now: () => (t += 20_000) } : {}) });
    };
    const { log } = await evolve(cfg, { train });
    const first = log.phases[0]?.individuals.find((i) => JSON.stringify(i.chromosome) === slow);
    expect(first).toMatchObject({ status: 'over-budget', fitness: null, reason: 'ran past its time budget of 30 s' });
    expect(first?.seconds).toBeGreaterThan(0);
    expect(JSON.stringify(log.best?.chromosome)).not.toBe(slow);
  });

  it('halving: rungs in the log, promoted candidates continue their training, only complete ones can be the best', async () => {
    const cfg = config({ fidelity: 'halving', eta: 2, populationSize: 4, generations: 1 });
    const before = tf.memory().numTensors;
    const progress: RunEvent[] = [];
    const run = await evolve(cfg);
    progress.push(...run.events.filter((e) => e.type === 'progress' || e.type === 'candidate-started'));
    const phase0 = run.log.phases[0];
    // 4 candidates, eta 2: rungs of 1, 2 and 3 epochs (ceil(3/4), ceil(3/2), 3).
    expect(phase0?.rungEpochs).toEqual([1, 2, 3]);
    const ind = phase0?.individuals ?? [];
    const complete = ind.filter((i) => i.status === 'trained' && i.partial !== true);
    expect(complete).toHaveLength(1);
    expect(complete[0]).toMatchObject({ rung: 2, epochsTrained: 3 });
    expect(complete[0]?.rungs?.map((r) => r.epochs)).toEqual([1, 2, 3]);
    expect(
      ind
        .filter((i) => i.partial === true)
        .map((i) => i.epochsTrained)
        .sort(),
    ).toEqual([1, 1, 2]);
    // A promoted candidate's training continues: its rung-1 call trains epoch 2 only, not epochs 1 and 2 again.
    const promotedIndex = complete[0]?.index;
    const starts = progress.flatMap((e, k) =>
      e.type === 'candidate-started' && e.phase === 0 && e.index === promotedIndex ? [k] : [],
    );
    expect(starts).toHaveLength(3);
    const epochsOf = (k: number): number[] => {
      const next = progress.findIndex((e, j) => j > k && e.type === 'candidate-started');
      return [
        ...new Set(
          progress
            .slice(k + 1, next < 0 ? undefined : next)
            .flatMap((e) => (e.type === 'progress' ? [(e.progress as TrainProgress).epoch] : [])),
        ),
      ];
    };
    expect(starts.map(epochsOf)).toEqual([[1], [2], [3]]);
    expect(
      run.log.best?.phase !== null &&
        run.log.phases[run.log.best?.phase ?? 0]?.individuals[run.log.best?.index ?? 0]?.partial,
    ).toBeUndefined();
    expect(run.log.best?.testAccuracy).toEqual(expect.any(Number));
    // The cost curve ends at the run's training seconds, its trainings and its best.
    const curve = bestVsSeconds(run.log);
    expect(curve.at(-1)?.seconds).toBeCloseTo(run.log.seconds, 9);
    expect(curve.at(-1)?.trainings).toBe(run.events.filter((e) => e.type === 'candidate-started').length);
    expect(curve.at(-1)?.best).toBe(run.log.best?.valAccuracy);
    // Continuation states are kept only while a candidate may still be promoted, and none outlives its phase.
    for (const { cp } of run.checkpoints) expect((cp.continuations ?? []).length).toBeLessThanOrEqual(3);
    expect(run.checkpoints.at(-1)?.cp.continuations).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resumed from any checkpoint mid-rung (continuation states included), the run log is the one of a run never interrupted', async () => {
    const cfg = config({ fidelity: 'halving', eta: 2, populationSize: 4, generations: 1, strategy: 'random' });
    const full = await evolve(cfg);
    const midRung = full.checkpoints.filter(
      ({ cp }) => (cp.engine.rung ?? 0) > 0 && (cp.continuations ?? []).length > 0,
    );
    expect(midRung.length).toBeGreaterThan(1);
    for (const saved of [midRung[0], midRung.at(-1)]) {
      if (!saved) continue;
      // Through JSON and back for the engine, as a disk or IndexedDB checkpoint holds it.
      const cp: RunCheckpoint = {
        ...saved.cp,
        engine: JSON.parse(JSON.stringify(saved.cp.engine)) as RunCheckpoint['engine'],
      };
      let firstEpoch: number | null = null;
      const train: typeof trainCandidate = (input, o = {}) =>
        trainCandidate(input, { ...o, onProgress: (p) => ((firstEpoch ??= p.epoch), o.onProgress?.(p)) });
      const resumed = await evolve(cfg, { resumeFrom: { cp, log: saved.log }, train });
      expect(resumed.outcome).toBe('done');
      expect(withoutTimings(resumed.log)).toEqual(withoutTimings(full.log));
      // The first training after the resume continued a kept state: it did not start at epoch 1.
      expect(firstEpoch).toBeGreaterThan(1);
    }
  });
});
