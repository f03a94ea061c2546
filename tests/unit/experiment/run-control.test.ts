/** One run controller: Stop, Pause, Resume and Skip reach the candidate in training when they arrive, or nothing. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { USAGE_PUBLIC, USAGE_TRAINING } from '../../../src/data/dataset';
import { RunController } from '../../../src/experiment/control';
import { runEvolution } from '../../../src/experiment/run';
import { runLogFromEvents } from '../../../src/experiment/runlogBuilder';
import type { CandidateStatus, RunConfig, RunEvent } from '../../../src/experiment/types';
import { trainCandidate, type TrainControl, type TrainResult } from '../../../src/ml/train';
import { halvesDataset, micro, rowsOf } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

describe('RunController', () => {
  it('binds a skip to the candidate in training and drops it when that candidate ends', () => {
    const c = new RunController();
    expect(c.request({ type: 'skip' })).toBe(false);
    expect(c.check()).toBe('go');
    c.beginCandidate({ phase: 0, index: 1 });
    expect(c.request({ type: 'skip', candidate: { phase: 0, index: 0 } })).toBe(false);
    expect(c.check()).toBe('go');
    expect(c.request({ type: 'skip', candidate: { phase: 0, index: 1 } })).toBe(true);
    expect(c.check()).toBe('skip');
    c.endCandidate();
    expect(c.check()).toBe('go');
    c.beginCandidate({ phase: 0, index: 2 });
    expect(c.check()).toBe('go');
    expect(c.request({ type: 'skip' })).toBe(true);
    expect(c.check()).toBe('skip');
  });

  it('stop beats skip, skip beats pause; resume ends the pause', () => {
    const c = new RunController();
    c.beginCandidate({ phase: 1, index: 0 });
    c.request({ type: 'pause' });
    expect(c.check()).toBe('pause');
    expect(c.isPaused).toBe(true);
    c.request({ type: 'skip' });
    expect(c.check()).toBe('skip');
    c.request({ type: 'stop' });
    expect(c.check()).toBe('stop');
    expect(c.stopRequested).toBe(true);
    const d = new RunController();
    d.request({ type: 'pause' });
    d.request({ type: 'resume' });
    expect(d.check()).toBe('go');
  });
});

const config: RunConfig = {
  seed: 1,
  populationSize: 3,
  generations: 0,
  crossoverRate: 0.2,
  mutationRate: 0.1,
  maxFilters: 2,
  epochs: 1,
  batchSize: 8,
  patience: 0,
  augmentFlip: false,
  network: { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 },
  perClass: 2,
};
const data = syntheticDataset(2, 1);
const splits = makeSplits(data, { mode: 'canonical', seed: 1 }).splits;
const backend = { name: 'wasm', reason: 'test', software: false } as const;

const outcome = (status: TrainResult['status'], valAccuracy = 0): TrainResult => ({
  status,
  valAccuracy,
  valLoss: 1,
  keptEpoch: 1,
  epochsRun: 1,
  stoppedEarly: false,
  seconds: 0,
  imagesPerSecond: 0,
  params: 1,
});

type Script = (candidate: number, at: 'batch' | 'validation', step: number) => void;

/**
 * A trainer that follows trainCandidate's protocol without tfjs: three batches, each followed by a read of the controls,
 * then a validation pass and one more read for a skip. `script` runs at each point, as a person pressing a button then.
 */
function scriptedTrainer(script: Script): typeof trainCandidate {
  let n = 0;
  return async (_input, opts = {}) => {
    const me = n++;
    const control: TrainControl = opts.control ?? { check: () => 'go' };
    for (let b = 0; b < 3; b++) {
      script(me, 'batch', b);
      const d = control.check();
      if (d === 'stop') return { result: outcome('cancelled') };
      if (d === 'skip') return { result: outcome('skipped') };
    }
    script(me, 'validation', 0);
    if (control.check() === 'skip') return { result: outcome('skipped') };
    return { result: outcome('trained', 0.5) };
  };
}

async function scriptedRun(
  script: (control: RunController, candidate: number, at: 'batch' | 'validation' | 'between', step: number) => void,
): Promise<{ statuses: CandidateStatus[]; events: RunEvent[]; outcome: string }> {
  const control = new RunController();
  const events: RunEvent[] = [];
  const result = await runEvolution({
    config,
    data,
    splits,
    backend,
    control,
    emit: (e) => {
      events.push(e);
      if (e.type === 'evaluated') script(control, e.index, 'between', 0);
    },
    train: scriptedTrainer((candidate, at, step) => script(control, candidate, at, step)),
  });
  return {
    statuses: events.flatMap((e) => (e.type === 'evaluated' ? [e.status] : [])),
    events,
    outcome: result.outcome,
  };
}

describe('Skip at the run level (scripted trainer, no timing)', () => {
  beforeAll(useWasm);

  it('a skip during the final validation pass skips that candidate, never the next one', async () => {
    const accepted: boolean[] = [];
    const { statuses } = await scriptedRun((control, candidate, at) => {
      if (candidate === 0 && at === 'validation')
        accepted.push(control.request({ type: 'skip', candidate: { phase: 0, index: 0 } }));
    });
    expect(accepted).toEqual([true]);
    expect(statuses).toEqual(['skipped', 'trained', 'trained']);
  });

  it('a skip between candidates skips nothing', async () => {
    const accepted: boolean[] = [];
    const { statuses } = await scriptedRun((control, candidate, at) => {
      if (candidate === 0 && at === 'between') accepted.push(control.request({ type: 'skip' }));
    });
    expect(accepted).toEqual([false]);
    expect(statuses).toEqual(['trained', 'trained', 'trained']);
  });

  it('a skip naming a candidate that has finished does not skip the one now in training', async () => {
    const accepted: boolean[] = [];
    const { statuses } = await scriptedRun((control, candidate, at, step) => {
      if (candidate === 1 && at === 'batch' && step === 1)
        accepted.push(control.request({ type: 'skip', candidate: { phase: 0, index: 0 } }));
    });
    expect(accepted).toEqual([false]);
    expect(statuses).toEqual(['trained', 'trained', 'trained']);
  });

  it('a skip during training ends that candidate within one batch as status "skipped", in the events and the run log', async () => {
    const { statuses, events } = await scriptedRun((control, candidate, at, step) => {
      if (candidate === 1 && at === 'batch' && step === 0)
        control.request({ type: 'skip', candidate: { phase: 0, index: 1 } });
    });
    expect(statuses).toEqual(['trained', 'skipped', 'trained']);
    const skipped = events.find((e) => e.type === 'evaluated' && e.index === 1);
    expect(skipped).toMatchObject({ status: 'skipped', fitness: null });
    expect(skipped && 'reason' in skipped ? skipped.reason : undefined).toBeUndefined();
    const log = runLogFromEvents(events, {
      dataset: {
        name: data.name,
        synthetic: true,
        count: data.count,
        split: 'canonical',
        train: splits.train.length,
        val: splits.val.length,
        test: splits.test.length,
      },
    });
    expect(log.phases[0]?.individuals.map((i) => i.status)).toEqual(['trained', 'skipped', 'trained']);
  });

  it('a stop ends the run before any other candidate, leaving the one in training to be retrained', async () => {
    const {
      statuses,
      outcome: end,
      events,
    } = await scriptedRun((control, candidate, at, step) => {
      if (candidate === 1 && at === 'batch' && step === 1) control.request({ type: 'stop' });
    });
    expect(end).toBe('stopped');
    expect(statuses).toEqual(['trained']);
    expect(events.filter((e) => e.type === 'candidate-started')).toHaveLength(2);
  });
});

describe('the real trainer reads the controller', () => {
  beforeAll(useWasm);
  const d = halvesDataset(6, 1);
  const input = {
    chromosome: micro('adam', 0.01),
    data: d,
    train: rowsOf(d.usage, USAGE_TRAINING),
    val: rowsOf(d.usage, USAGE_PUBLIC),
    settings: {
      epochs: 2,
      batchSize: 4,
      patience: 0,
      augmentFlip: false,
      network: { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 },
    },
    seed: 3,
  };

  it('a skip pressed during the last validation pass ends this candidate as skipped', async () => {
    const control = new RunController();
    control.beginCandidate({ phase: 0, index: 0 });
    const before = tf.memory().numTensors;
    const { result, model } = await trainCandidate(input, {
      control,
      onProgress: (p) => {
        if (p.kind === 'epoch' && p.epoch === p.epochs) control.request({ type: 'skip' });
      },
    });
    expect(result.status).toBe('skipped');
    expect(result.epochsRun).toBe(2);
    expect(model).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('waits while paused, and a skip while paused ends the candidate', async () => {
    const control = new RunController();
    control.beginCandidate({ phase: 0, index: 0 });
    let batches = 0;
    let checksWhilePaused = 0;
    const reader: TrainControl = {
      check: () => {
        const d = control.check();
        if (d === 'pause' && ++checksWhilePaused === 3) control.request({ type: 'skip' });
        return d;
      },
    };
    const { result } = await trainCandidate(input, {
      control: reader,
      onProgress: (p) => {
        if (p.kind === 'batch' && ++batches === 2) control.request({ type: 'pause' });
      },
    });
    expect(result.status).toBe('skipped');
    // Paused after batch 2: no batch ran while paused.
    expect(batches).toBe(2);
    expect(checksWhilePaused).toBe(3);
  });
});
