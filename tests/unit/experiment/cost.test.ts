import { describe, expect, it } from 'vitest';
import {
  drawNetworks,
  estimateRun,
  fitLine,
  measuredRatio,
  planRun,
  remainingSeconds,
  trainingSeconds,
  type RunPlan,
  type SpeedModel,
} from '../../../src/experiment/cost';
import { networkCost } from '../../../src/experiment/networkCost';
import { networkCost as mlNetworkCost } from '../../../src/ml/model';
import { PAPER_BEST } from '../../../src/ga/chromosome';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../src/settings';

/** 1 ms per image plus 1 ms per 10 MFLOPs; validation a third of training; 0.5 s per training call. */
const SPEED: SpeedModel = {
  train: { intercept: 1e-3, slope: 1e-10 },
  evalRatio: 1 / 3,
  overhead: { intercept: 0.5, slope: 0 },
};
const COUNTS = { train: 300, val: 60, test: 60 };
const SMALL: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  populationSize: 6,
  generations: 2,
  epochs: 4,
  maxFilters: 32,
  patience: 0,
};

async function cost(config: RunConfig, speed = SPEED) {
  return estimateRun(await planRun(config), speed, COUNTS, config);
}

/** The training part of an estimate: everything but each call's fixed overhead and the final test. */
const trainingPart = (e: Awaited<ReturnType<typeof cost>>): number =>
  e.seconds - e.testSeconds - e.trainings * SPEED.overhead.intercept;

describe('the cost model', () => {
  it('is the arithmetic the trainer and the budget use', () => {
    expect(networkCost(PAPER_BEST)).toEqual(mlNetworkCost(PAPER_BEST));
  });

  it('draws the networks of the run’s seed, within the budget', () => {
    const all = drawNetworks(SMALL);
    expect(all).toHaveLength(200);
    expect(drawNetworks(SMALL)).toEqual(all);
    expect(drawNetworks({ ...SMALL, seed: SMALL.seed + 1 })).not.toEqual(all);
    const capped = drawNetworks({ ...SMALL, maxMflops: 20 });
    expect(capped.length).toBeLessThan(all.length);
    expect(capped.every((d) => d.flops <= 20e6)).toBe(true);
  });

  it('plans phase 0 as the engine draws it: population x epochs, every individual trained once', async () => {
    const plan = await planRun(SMALL);
    const phase0 = plan.trainings.filter((t) => t.phase === 0);
    expect(phase0).toHaveLength(SMALL.populationSize * plan.simulations);
    expect(phase0.every((t) => t.epochs === SMALL.epochs)).toBe(true);
    // Later GA phases train only changed children: elites and unchanged children are carried or cached.
    const later = plan.trainings.filter((t) => t.phase > 0).length / plan.simulations;
    expect(later).toBeLessThan(SMALL.generations * (SMALL.populationSize - 1));
  });

  it('trains every individual of every phase with random search', async () => {
    const e = await cost({ ...SMALL, strategy: 'random' });
    expect(e.trainings).toBeCloseTo((SMALL.generations + 1) * SMALL.populationSize, 5);
    expect(e.phaseTrainings).toHaveLength(SMALL.generations + 1);
  });

  it('doubles the training part when the epochs double', async () => {
    const one = await cost(SMALL);
    const two = await cost({ ...SMALL, epochs: 2 * SMALL.epochs });
    expect(two.trainings).toBeCloseTo(one.trainings, 5);
    expect(two.epochs).toBeCloseTo(2 * one.epochs, 5);
    expect(trainingPart(two)).toBeCloseTo(2 * trainingPart(one), 5);
    expect(two.imagesTrained).toBeCloseTo(2 * one.imagesTrained, 5);
  });

  it('costs less with successive halving than the full GA', async () => {
    const config = { ...SMALL, populationSize: 10, epochs: 9 };
    const full = await cost(config);
    const halving = await cost({ ...config, fidelity: 'halving' });
    expect(halving.seconds).toBeLessThan(full.seconds);
    // Promoted candidates continue from the rung below: no epoch is trained twice.
    const plan = await planRun({ ...config, fidelity: 'halving' });
    expect(Math.max(...plan.trainings.map((t) => t.epochs))).toBeLessThan(9);
  });

  it('lowers the mean network when a budget keeps big networks out', async () => {
    const free = await cost(SMALL);
    const budget = await cost({ ...SMALL, maxMflops: 10 });
    expect(budget.meanFlops).toBeLessThan(free.meanFlops);
    expect(budget.seconds).toBeLessThan(free.seconds);
  });

  it('caps each training at the time budget per candidate', async () => {
    const slow: SpeedModel = { ...SPEED, train: { intercept: 0.1, slope: 0 } };
    const free = await cost(SMALL, slow);
    const capped = await cost({ ...SMALL, maxSeconds: 5 }, slow);
    expect(capped.seconds - capped.testSeconds).toBeCloseTo(5 * capped.trainings, 5);
    expect(capped.seconds).toBeLessThan(free.seconds);
  });

  it('is an upper bound with early stopping, and says so', async () => {
    expect((await cost(SMALL)).upperBound).toBe(false);
    expect((await cost({ ...SMALL, patience: 3 })).upperBound).toBe(true);
  });

  it('prices a training as epochs of training and validation images plus its fixed cost', () => {
    // 4 epochs x (300 + 60/3 images) x (1 ms + 10 MFLOPs x 1e-10 s) + 0.5 s
    expect(trainingSeconds(SPEED, COUNTS, 10e6, 4)).toBeCloseTo(4 * 320 * 0.002 + 0.5, 9);
  });
});

describe('fitLine', () => {
  it('fits a straight line through exact points', () => {
    const line = fitLine([
      { x: 1, y: 3 },
      { x: 2, y: 5 },
      { x: 4, y: 9 },
    ]);
    expect(line.intercept).toBeCloseTo(1, 9);
    expect(line.slope).toBeCloseTo(2, 9);
  });

  it('goes through the origin from one point, and never below zero', () => {
    expect(fitLine([{ x: 2, y: 4 }])).toEqual({ intercept: 0, slope: 2 });
    const line = fitLine([
      { x: 1, y: 0.5 },
      { x: 2, y: 3 },
    ]);
    expect(line.intercept).toBe(0);
    expect(line.slope).toBeGreaterThan(0);
    // Times that fall with size are noise: the mean.
    expect(
      fitLine([
        { x: 1, y: 3 },
        { x: 2, y: 1 },
      ]),
    ).toEqual({ intercept: 2, slope: 0 });
  });
});

describe('the time left during a run', () => {
  const plan: RunPlan = {
    trainings: [
      { phase: 0, flops: 10e6, epochs: 4 },
      { phase: 0, flops: 10e6, epochs: 4 },
      { phase: 1, flops: 10e6, epochs: 4 },
    ],
    simulations: 1,
    phases: 2,
    draws: { count: 1, median: 10e6, max: 10e6, typical: null, largest: null },
  };
  const estimate = estimateRun(plan, SPEED, COUNTS, { patience: 0 });
  const one = trainingSeconds(SPEED, COUNTS, 10e6, 4);
  const now = { phase: 0, flops: 10e6, fromEpochs: 0, toEpochs: 4, fraction: 0 };

  it('is the whole estimate at the start, scaled by what an earlier run measured', () => {
    expect(remainingSeconds(estimate, SPEED, COUNTS, [], now)).toBeCloseTo(estimate.seconds, 9);
    expect(remainingSeconds(estimate, SPEED, COUNTS, [], now, undefined, 1.5)).toBeCloseTo(1.5 * estimate.seconds, 9);
  });

  it('counts down as the candidate trains, and is the test alone at the end', () => {
    const half = remainingSeconds(estimate, SPEED, COUNTS, [], { ...now, fraction: 0.5 });
    expect(half).toBeCloseTo(estimate.seconds - one / 2, 9);
    const done = [0, 1].map(() => ({ phase: 0, status: 'trained', seconds: one, flops: 10e6, epochsTrained: 4 }));
    const end = remainingSeconds(estimate, SPEED, COUNTS, [...done, { ...done[0]!, phase: 1 }], null);
    expect(end).toBeCloseTo(estimate.testSeconds, 9);
  });

  it('scales by how long the trainings so far took against the prediction', () => {
    const slow = [{ phase: 0, status: 'trained', seconds: 2 * one, flops: 10e6, epochsTrained: 4 }];
    expect(measuredRatio(SPEED, COUNTS, [])).toBeNull();
    expect(measuredRatio(SPEED, COUNTS, slow)).toBeCloseTo(2, 9);
    const left = remainingSeconds(estimate, SPEED, COUNTS, slow, { ...now, fraction: 0 });
    expect(left).toBeCloseTo(2 * (estimate.seconds - one), 9);
  });
});
