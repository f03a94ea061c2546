/** A crashed backend (a wasm trap or abort) ends the run without a trace of the crashed candidate: the last checkpoint resumes it. */
import { beforeAll, describe, expect, it } from 'vitest';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { RunController } from '../../../src/experiment/control';
import { runEvolution, type RunCheckpoint } from '../../../src/experiment/run';
import { withoutTimings } from '../../../src/experiment/runlog';
import { runLogFromEvents, RunLogBuilder } from '../../../src/experiment/runlogBuilder';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';
import { BackendCrashedError, backendCrash } from '../../../src/ml/backend';
import { trainCandidate } from '../../../src/ml/train';
import { halvesDataset, micro, rowsOf } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';
import { USAGE_PUBLIC, USAGE_TRAINING } from '../../../src/data/dataset';
import { logDataset } from '../../../src/worker/storage';

const config: RunConfig = {
  seed: 4,
  populationSize: 3,
  generations: 1,
  crossoverRate: 0.5,
  mutationRate: 0.5,
  maxFilters: 2,
  epochs: 1,
  batchSize: 8,
  patience: 0,
  augmentFlip: false,
  network: { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 },
  perClass: 2,
};
const backend = { name: 'wasm', reason: 'test', software: false } as const;

describe('a crashed backend', () => {
  beforeAll(useWasm);

  it('is told apart from a failed candidate: only WebAssembly traps and aborts are crashes', () => {
    expect(backendCrash(new WebAssembly.RuntimeError('Aborted(OOM)'))).toBeInstanceOf(BackendCrashedError);
    expect(backendCrash(new WebAssembly.RuntimeError('memory access out of bounds'))?.message).toBe(
      'the wasm backend crashed (memory access out of bounds)',
    );
    expect(backendCrash(new Error('shape mismatch'))).toBeNull();
    expect(backendCrash('text')).toBeNull();
  });

  it('makes trainCandidate throw: a failed candidate would be recorded, and the next one would crash too', async () => {
    const data = halvesDataset(4, 2);
    let checks = 0;
    const run = trainCandidate(
      {
        chromosome: micro('adam', 0.005),
        data,
        train: rowsOf(data.usage, USAGE_TRAINING),
        val: rowsOf(data.usage, USAGE_PUBLIC),
        seed: 3,
        settings: {
          epochs: 2,
          batchSize: 4,
          patience: 0,
          augmentFlip: false,
          network: { denseUnits: 8, dropoutConv: 0, dropoutDense: 0 },
        },
      },
      {
        // Where a wasm abort on out-of-memory surfaces: inside the training step, after the first batch here.
        control: {
          check: () => {
            if (++checks === 2) throw new WebAssembly.RuntimeError('Aborted(OOM)');
            return 'go';
          },
        },
      },
    );
    await expect(run).rejects.toThrow(BackendCrashedError);
    await expect(run).rejects.toThrow('the wasm backend crashed (Aborted(OOM))');
    expect(checks).toBe(2);
  });

  it('ends the run with no record or checkpoint of the crashed candidate; the last checkpoint resumes to the uninterrupted log', async () => {
    const data = syntheticDataset(4, 9);
    const splits = makeSplits(data, { mode: 'canonical', seed: config.seed, perClassCap: config.perClass }).splits;
    const meta = { dataset: logDataset(config, data, splits) };

    const straightEvents: RunEvent[] = [];
    await runEvolution({
      config,
      data,
      splits,
      backend,
      control: new RunController(),
      emit: (e) => straightEvents.push(e),
    });
    const straight = runLogFromEvents(straightEvents, meta);

    // The third training crashes the backend.
    let trainings = 0;
    const crashing: typeof trainCandidate = async (input, opts) => {
      if (++trainings === 3) throw new BackendCrashedError(new WebAssembly.RuntimeError('Aborted(OOM)'));
      return trainCandidate(input, opts);
    };
    const events: RunEvent[] = [];
    const checkpoints: RunCheckpoint[] = [];
    const builder = new RunLogBuilder(meta);
    let savedLog = builder.toJSON();
    const crashed = runEvolution({
      config,
      data,
      splits,
      backend,
      control: new RunController(),
      train: crashing,
      emit: (e) => {
        events.push(e);
        if (e.type !== 'progress' && e.type !== 'candidate-started') builder.add(e);
      },
      onCheckpoint: (cp) => {
        checkpoints.push(structuredClone(cp));
        savedLog = builder.toJSON();
      },
    });
    await expect(crashed).rejects.toThrow(BackendCrashedError);
    const evaluated = events.filter((e) => e.type === 'evaluated');
    expect(evaluated).toHaveLength(2);
    expect(events.some((e) => e.type === 'run-done' || e.type === 'test-result')).toBe(false);
    const last = checkpoints.at(-1) as RunCheckpoint;
    expect(last.engine.cursor).toBe(2);

    // A fresh worker (or process) continues from the last checkpoint.
    const resumed = RunLogBuilder.from(savedLog);
    await runEvolution({
      config,
      data,
      splits,
      backend,
      control: new RunController(),
      resume: last,
      emit: (e) => {
        if (e.type !== 'progress' && e.type !== 'candidate-started') resumed.add(e);
      },
    });
    expect(withoutTimings(resumed.toJSON())).toEqual(withoutTimings(straight));
  }, 240_000);
});
