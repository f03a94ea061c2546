/** Continuing a training: k then m epochs give exactly the weights of k + m epochs in one go; the time budget. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { OPTIMIZERS, type Chromosome } from '../../../src/ga/chromosome';
import { USAGE_PUBLIC, USAGE_TRAINING } from '../../../src/data/dataset';
import { snapshotWeights, trainCandidate, type TrainSettings, type TrainState } from '../../../src/ml/train';
import { packTrainState, unpackTrainState } from '../../../src/experiment/weights';
import { halvesDataset, micro, rowsOf } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

const data = halvesDataset(12, 3);
const train = rowsOf(data.usage, USAGE_TRAINING);
const val = rowsOf(data.usage, USAGE_PUBLIC);
// Dropout and flips on, so the dropout masks and the flip draws must continue exactly too.
const settings = (epochs: number, patience: number): TrainSettings => ({
  epochs,
  batchSize: 8,
  patience,
  augmentFlip: true,
  network: { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 },
});
const LR: Record<Chromosome['optimizer'], number> = {
  adam: 0.005,
  sgd: 0.05,
  rmsprop: 0.005,
  adadelta: 1,
  adagrad: 0.05,
  adamax: 0.01,
  nadam: 0.005,
};

/** A JSON + buffer round trip, as the disk checkpoint stores a state. */
function throughDisk(state: TrainState): TrainState {
  const { meta, buffer } = packTrainState(state);
  return unpackTrainState(JSON.parse(JSON.stringify(meta)) as typeof meta, buffer.slice(0));
}

async function weightsOf(r: Awaited<ReturnType<typeof trainCandidate>>): Promise<Float32Array[]> {
  expect(r.result.status).toBe('trained');
  const model = r.model as tf.LayersModel;
  const w = await snapshotWeights(model);
  model.dispose();
  return w.values;
}

describe('continuing a training on wasm', () => {
  beforeAll(useWasm);

  for (const optimizer of OPTIMIZERS) {
    it(`${optimizer}: 1 epoch, then to 2, then to 4, equals 4 epochs in one go (weights, fitness, epochs), through a disk round trip`, async () => {
      const chromosome = micro(optimizer, LR[optimizer]);
      const before = tf.memory().numTensors;
      const input = { chromosome, data, train, val, seed: 17 };
      const once = await trainCandidate({ ...input, settings: settings(4, 0) });
      const onceWeights = await weightsOf(once);

      const a = await trainCandidate({ ...input, settings: settings(1, 0) }, { keepState: true });
      expect(a.state?.epochsDone).toBe(1);
      a.model?.dispose();
      const b = await trainCandidate(
        { ...input, settings: settings(2, 0), resume: throughDisk(a.state as TrainState) },
        { keepState: true },
      );
      b.model?.dispose();
      const c = await trainCandidate({
        ...input,
        settings: settings(4, 0),
        resume: throughDisk(b.state as TrainState),
      });
      expect(c.state).toBeUndefined();
      expect(c.result.epochsRun).toBe(4);
      expect(c.result.valAccuracy).toBe(once.result.valAccuracy);
      expect(c.result.valLoss).toBe(once.result.valLoss);
      const split = await weightsOf(c);
      expect(split).toHaveLength(onceWeights.length);
      split.forEach((w, i) => expect(w, `weight ${i}`).toEqual(onceWeights[i]));
      expect(tf.memory().numTensors).toBe(before);
    }, 120_000);
  }

  it('with early stopping: the kept epoch, its weights and the patience count carry over, and a stopped training stays stopped', async () => {
    // Seed 7 at this learning rate: the validation loss falls for 5 epochs, then rises, so epoch 5 is kept while 6
    // and 7 train on, and patience ends the training.
    const chromosome = micro('adam', 0.05);
    const input = { chromosome, data, train, val, seed: 7 };
    const before = tf.memory().numTensors;
    const seen = { keptElsewhere: false, stopped: false };
    for (const patience of [1, 2]) {
      const once = await trainCandidate({ ...input, settings: settings(8, patience) });
      const onceWeights = await weightsOf(once);
      for (const split of [1, 3, 6]) {
        const a = await trainCandidate({ ...input, settings: settings(split, patience) }, { keepState: true });
        a.model?.dispose();
        if (!a.state) {
          // Early stopping ended it within the first part: the one-go training stopped at the same epoch.
          expect(a.result.stoppedEarly).toBe(true);
          expect(a.result.epochsRun).toBe(once.result.epochsRun);
          seen.stopped = true;
          continue;
        }
        if (a.state.kept?.weights) seen.keptElsewhere = true;
        const b = await trainCandidate({ ...input, settings: settings(8, patience), resume: throughDisk(a.state) });
        expect(b.result.epochsRun, `patience ${patience}, split ${split}`).toBe(once.result.epochsRun);
        expect(b.result.stoppedEarly).toBe(once.result.stoppedEarly);
        expect(b.result.valAccuracy).toBe(once.result.valAccuracy);
        expect(b.result.keptEpoch).toBe(once.result.keptEpoch);
        const w = await weightsOf(b);
        w.forEach((x, i) => expect(x, `patience ${patience}, split ${split}, weight ${i}`).toEqual(onceWeights[i]));
        if (once.result.stoppedEarly) seen.stopped = true;
      }
    }
    // The test covered a state whose kept weights are not its current ones, and an early stop.
    expect(seen).toEqual({ keptElsewhere: true, stopped: true });
    expect(tf.memory().numTensors).toBe(before);
  }, 240_000);

  it('a state already at the asked epochs returns its kept result without training', async () => {
    const input = { chromosome: micro('adam', 0.005), data, train, val, seed: 2 };
    const a = await trainCandidate({ ...input, settings: settings(2, 0) }, { keepState: true });
    const aWeights = await weightsOf(a);
    let batches = 0;
    const b = await trainCandidate(
      { ...input, settings: settings(2, 0), resume: a.state },
      { onProgress: () => batches++ },
    );
    expect(batches).toBe(0);
    expect(b.result.valAccuracy).toBe(a.result.valAccuracy);
    (await weightsOf(b)).forEach((x, i) => expect(x).toEqual(aWeights[i]));
  });

  it('stops a candidate past its time budget as over-budget, counting the seconds of the continued state, and disposes everything', async () => {
    const input = { chromosome: micro('sgd', 0.05), data, train, val, seed: 4 };
    const before = tf.memory().numTensors;
    let clock = 0;
    // Every clock reading moves 100 ms on: a few batches use up a 2-second budget.
    const now = (): number => (clock += 100);
    const over = await trainCandidate({ ...input, settings: { ...settings(3, 0), maxSeconds: 2 } }, { now });
    expect(over.result.status).toBe('over-budget');
    expect(over.result.reason).toBe('ran past its time budget of 2 s');
    expect(over.model).toBeUndefined();
    expect(over.result.seconds).toBeGreaterThan(2);
    expect(over.result.seconds).toBeLessThan(3);
    // Within budget: trains normally.
    const fine = await trainCandidate(
      { ...input, settings: { ...settings(1, 0), maxSeconds: 1e6 } },
      { now, keepState: true },
    );
    expect(fine.result.status).toBe('trained');
    fine.model?.dispose();
    // A continued training already used its seconds: a budget it has spent stops it at its first batch.
    const spent = { ...(fine.state as TrainState), seconds: 50 };
    let batches = 0;
    const cont = await trainCandidate(
      { ...input, settings: { ...settings(3, 0), maxSeconds: 50 }, resume: spent },
      { now, onProgress: () => batches++ },
    );
    expect(cont.result.status).toBe('over-budget');
    expect(batches).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
