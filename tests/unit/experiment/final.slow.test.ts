/** The final training (src/experiment/final.ts): its result, its kept epoch, its test figures, its place in run.json and report.md. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { RunController } from '../../../src/experiment/control';
import { trainFinal } from '../../../src/experiment/final';
import { finalConfig, parseFinalResult, testSetText, type FinalResult } from '../../../src/experiment/finalResult';
import { renderTrainReport } from '../../../src/experiment/finalReport';
import { renderReport } from '../../../src/experiment/report';
import { runEvolution } from '../../../src/experiment/run';
import { withoutTimings, type RunLog } from '../../../src/experiment/runlog';
import { runLogFromEvents } from '../../../src/experiment/runlogBuilder';
import { parseRunLog } from '../../../src/experiment/runlogParser';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';
import { evaluate } from '../../../src/ml/evaluate';
import { buildModel } from '../../../src/ml/model';
import { restoreWeights, type TrainResult } from '../../../src/ml/train';
import { runLogToEvents } from '../../../src/persist/replay';
import { logDataset } from '../../../src/worker/storage';
import { micro } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

const CONFIG: RunConfig = {
  seed: 21,
  populationSize: 2,
  generations: 0,
  crossoverRate: 0.5,
  mutationRate: 0.3,
  maxFilters: 4,
  epochs: 1,
  batchSize: 8,
  patience: 0,
  augmentFlip: false,
  network: { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 },
  perClass: 4,
};
const BACKEND = { name: 'wasm', reason: 'test', software: false } as const;
const data = syntheticDataset(6, 4);
const splits = makeSplits(data, { mode: 'canonical', seed: CONFIG.seed, perClassCap: CONFIG.perClass }).splits;
const dataset = logDataset(CONFIG, data, splits);
const chromosome = micro('adam', 0.005);

/** Every field of result.json and run.json's `final`, in order. */
const FIELDS = [
  'chromosome',
  'config',
  'backend',
  'seed',
  'dataset',
  'epochs',
  'keptEpoch',
  'valAccuracy',
  'valLoss',
  'testAccuracy',
  'testLoss',
  'testCount',
  'testIndependent',
  'perClassAccuracy',
  'confusion',
  'params',
  'seconds',
  'imagesPerSecond',
];

async function final(
  config: RunConfig,
  control = new RunController(),
  events: RunEvent[] = [],
  train?: Parameters<typeof trainFinal>[0]['train'],
) {
  return trainFinal({
    chromosome,
    config,
    data,
    splits,
    dataset,
    backend: BACKEND,
    control,
    emit: (e) => events.push(e),
    ...(train ? { train } : {}),
  });
}

describe('the final training', () => {
  beforeAll(useWasm);

  it('trains, keeps the lowest-validation-loss epoch (patience > 0), tests exactly those weights and reports every field', async () => {
    const before = tf.memory().numTensors;
    const events: RunEvent[] = [];
    const config = { ...CONFIG, epochs: 4, patience: 4, augmentFlip: true };
    const run = await final(config, new RunController(), events);
    expect(run.outcome).toBe('done');
    const r = run.result as FinalResult;
    expect(Object.keys(r)).toEqual(FIELDS);
    expect(r).toMatchObject({
      chromosome,
      seed: 21,
      backend: { name: 'wasm', reason: 'test' },
      dataset,
      testCount: splits.test.length,
      testIndependent: true,
    });
    expect(r.config).toEqual(finalConfig(config));
    expect(r.config).toMatchObject({ epochs: 4, augmentFlip: true, patience: 4, split: 'canonical', perClass: 4 });
    expect(r.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    const losses = r.epochs.map((e) => e.valLoss as number);
    expect(r.keptEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
    expect(r.valAccuracy).toBe(r.epochs[r.keptEpoch - 1]?.valAccuracy);
    expect(r.epochs.every((e) => e.seconds > 0)).toBe(true);
    expect(r.perClassAccuracy).toHaveLength(7);
    expect(r.confusion?.flat().reduce((a, b) => a + b, 0)).toBe(splits.test.length);

    // The kept weights, rebuilt, give the reported test figures exactly.
    const model = buildModel(chromosome, config.network);
    restoreWeights(model, run.weights as NonNullable<typeof run.weights>);
    const test = await evaluate(model, data, splits.test);
    model.dispose();
    expect(test.accuracy).toBe(r.testAccuracy);
    expect(test.confusion).toEqual(r.confusion);
    expect(tf.memory().numTensors).toBe(before);

    expect(events[0]).toMatchObject({ type: 'final-started', chromosome, seed: 21, testCount: splits.test.length });
    expect(events.filter((e) => e.type === 'final-progress' && e.progress.kind === 'epoch')).toHaveLength(4);
    expect(events[events.length - 1]).toEqual({ type: 'final-done', outcome: 'done', result: r });
    // JSON keeps it whole.
    expect(parseFinalResult(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it("with the search's settings it starts where the search did: the same seed gives the search's best network", async () => {
    const events: RunEvent[] = [];
    const search = await runEvolution({
      config: CONFIG,
      data,
      splits,
      backend: BACKEND,
      control: new RunController(),
      emit: (e) => events.push(e),
    });
    const best = search.best;
    expect(best).not.toBeNull();
    if (!best) return;
    const again = await trainFinal({
      chromosome: best.chromosome,
      config: CONFIG,
      data,
      splits,
      dataset,
      backend: BACKEND,
      control: new RunController(),
      emit: () => undefined,
    });
    expect(again.result?.valAccuracy).toBe(best.fitness);
    expect(again.result?.keptEpoch).toBe(1);
    expect(again.weights?.values).toEqual(best.weights.values);
    const testEvent = events.find((e) => e.type === 'test-result');
    expect(again.result?.testAccuracy).toBe(testEvent?.type === 'test-result' ? testEvent.evaluation.accuracy : NaN);
  });

  it('stops within a batch when asked, keeping nothing', async () => {
    const before = tf.memory().numTensors;
    const control = new RunController();
    const events: RunEvent[] = [];
    let batches = 0;
    const run = await trainFinal({
      chromosome,
      config: { ...CONFIG, epochs: 50 },
      data,
      splits,
      dataset,
      backend: BACKEND,
      control,
      emit: (e) => {
        events.push(e);
        if (e.type === 'final-progress' && ++batches === 2) control.request({ type: 'stop' });
      },
    });
    expect(run).toEqual({ outcome: 'stopped', result: null, weights: null, reason: 'stopped by user' });
    expect(events[events.length - 1]).toEqual({
      type: 'final-done',
      outcome: 'stopped',
      result: null,
      reason: 'stopped by user',
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports a failed training as failed, without throwing', async () => {
    const diverged: TrainResult = {
      status: 'diverged',
      reason: 'loss became NaN at epoch 2, batch 1',
      valAccuracy: 0,
      valLoss: NaN,
      keptEpoch: 0,
      epochsRun: 1,
      stoppedEarly: false,
      seconds: 1,
      imagesPerSecond: 10,
      params: 5,
    };
    const events: RunEvent[] = [];
    const run = await final(CONFIG, new RunController(), events, async () => ({ result: diverged }));
    expect(run).toMatchObject({
      outcome: 'failed',
      result: null,
      reason: 'diverged: loss became NaN at epoch 2, batch 1',
    });
    expect(events.map((e) => e.type)).toEqual(['final-started', 'final-done']);
  });
});

describe('the final training in run.json and report.md', () => {
  let log: RunLog;
  let r: FinalResult;
  beforeAll(async () => {
    await useWasm();
    const events: RunEvent[] = [];
    const search = await runEvolution({
      config: CONFIG,
      data,
      splits,
      backend: BACKEND,
      control: new RunController(),
      emit: (e) => events.push(e),
    });
    const run = await trainFinal({
      chromosome: search.best?.chromosome ?? chromosome,
      config: { ...CONFIG, epochs: 2 },
      data,
      splits,
      dataset,
      backend: BACKEND,
      control: new RunController(),
      emit: (e) => events.push(e),
    });
    r = run.result as FinalResult;
    log = runLogFromEvents(events, { dataset });
  }, 120_000);

  it('adds `final` to the run log; a saved log replays it and reads back', () => {
    expect(log.final).toEqual(r);
    expect(log.outcome).toBe('done');
    const again = runLogFromEvents(runLogToEvents(log), { dataset });
    expect(withoutTimings(again)).toEqual(withoutTimings(log));
    expect(withoutTimings(again).final?.seconds).toBe(0);
    expect(parseRunLog(JSON.stringify(log)).final).toEqual(r);
    // Logs written before the final training existed have no `final` and still read.
    const { final: _f, ...older } = log;
    expect(parseRunLog(JSON.stringify(older)).final).toBeUndefined();
  });

  it('refuses a run log whose final is broken, naming the field', () => {
    const broken = { ...log, final: { ...r, keptEpoch: 9 } };
    expect(() => parseRunLog(JSON.stringify(broken))).toThrow('run log: final.keptEpoch must be from 1 to 2');
    const noConfusion = { ...log, final: { ...r, confusion: [[1]] } };
    expect(() => parseRunLog(JSON.stringify(noConfusion))).toThrow('run log: final.confusion must have 7 rows');
  });

  it('shows both networks in report.md, the final one exported, with the test images named honestly', () => {
    const md = renderReport(log, { modelDir: 'model/' });
    expect(md).toMatch(/## Final training of the best chromosome[\s\S]*\| test accuracy \| [\d.]+% \| [\d.]+% \|/);
    expect(md).toContain(
      `Test accuracy **${((r.testAccuracy ?? 0) * 100).toFixed(2)}%** on ${r.testCount} PrivateTest images, never seen by the search or the training`,
    );
    expect(md).toContain('The final network is saved in `model/`');
    const alone = renderTrainReport(r, { modelDir: 'model/' });
    expect(alone).toMatch(/^# Evolab training, seed 21\n/);
    expect(alone).toContain(`| ${r.keptEpoch} (kept) |`);
    expect(alone).toContain('PrivateTest images, never seen by the training');
  });

  it('says which test images each split scores on', () => {
    expect(testSetText('canonical', 'search')).toBe('PrivateTest images, never seen by the search or the training');
    expect(testSetText('paper', 'search')).toMatch(
      /also the split the GA selected on, so this figure is not independent of the search$/,
    );
    expect(testSetText('paper', 'training')).toMatch(/also its validation split/);
    expect(testSetText('paper-clean', 'training')).toBe(
      "images of the paper-clean split's 20% test set, never seen by the training",
    );
  });
});
