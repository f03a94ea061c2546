/** One rule for the kept weights: the fitness is the validation accuracy of exactly the weights returned, tested and exported. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { syntheticDataset } from '../../../src/data/synthetic';
import { makeSplits } from '../../../src/data/splits';
import { evaluate } from '../../../src/ml/evaluate';
import { buildModel } from '../../../src/ml/model';
import { restoreWeights, trainCandidate, type TrainProgress } from '../../../src/ml/train';
import { RunController } from '../../../src/experiment/control';
import { runEvolution } from '../../../src/experiment/run';
import { runLogFromEvents } from '../../../src/experiment/runlogBuilder';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';
import { micro } from '../../helpers/ml';
import { useWasm } from '../../helpers/wasm-setup';

const NET = { denseUnits: 16, dropoutConv: 0.25, dropoutDense: 0.5 };

describe('the reported fitness is the accuracy of the kept weights', () => {
  beforeAll(useWasm);
  const data = syntheticDataset(16, 3);
  const { train, val } = makeSplits(data, { mode: 'canonical', seed: 1 }).splits;

  for (const patience of [0, 1, 2]) {
    it(`patience ${patience}: re-evaluating the returned model on the validation rows gives the reported accuracy and loss`, async () => {
      // Did some run keep weights of another epoch than the lowest-loss one (patience 0) or than the last one (patience > 0)?
      let telling = 0;
      for (const seed of [1, 2, 3]) {
        const epochs: TrainProgress[] = [];
        const { result, model } = await trainCandidate(
          {
            chromosome: micro('adam', 0.01),
            data,
            train,
            val,
            settings: { epochs: 3, batchSize: 16, patience, augmentFlip: false, network: NET },
            seed,
          },
          { onProgress: (p) => p.kind === 'epoch' && epochs.push(p) },
        );
        if (!model) throw new Error(`training failed: ${result.reason ?? ''}`);
        const again = await evaluate(model, data, val);
        model.dispose();
        expect(result.status).toBe('trained');
        expect(again.accuracy, `seed ${seed}`).toBe(result.valAccuracy);
        expect(again.loss, `seed ${seed}`).toBe(result.valLoss);
        const losses = epochs.map((p) => p.valLoss as number);
        const bestEpoch = losses.indexOf(Math.min(...losses));
        const last = epochs.length - 1;
        if (patience === 0) {
          // The rule: early stopping off keeps the last epoch's weights and reports that epoch.
          expect(epochs).toHaveLength(3);
          expect(result.valAccuracy).toBe(epochs[last]?.valAccuracy);
          if (bestEpoch !== last && epochs[bestEpoch]?.valAccuracy !== epochs[last]?.valAccuracy) telling++;
        } else {
          // The rule: early stopping on restores the lowest-validation-loss epoch and reports that epoch.
          expect(result.valAccuracy).toBe(epochs[bestEpoch]?.valAccuracy);
          expect(result.valLoss).toBe(losses[bestEpoch]);
          if (bestEpoch !== last) telling++;
        }
      }
      expect(telling).toBeGreaterThan(0);
    });
  }

  it('at the run level, the best weights score their fitness on validation and the logged test accuracy on test', async () => {
    const config: RunConfig = {
      seed: 3,
      populationSize: 3,
      generations: 0,
      crossoverRate: 0.2,
      mutationRate: 0.1,
      maxFilters: 4,
      epochs: 3,
      batchSize: 16,
      patience: 0,
      augmentFlip: false,
      network: NET,
      perClass: 0,
    };
    const splits = makeSplits(data, { mode: 'canonical', seed: 1 }).splits;
    const events: RunEvent[] = [];
    const before = tf.memory().numTensors;
    const result = await runEvolution({
      config,
      data,
      splits,
      backend: { name: 'wasm', reason: 'test', software: false },
      control: new RunController(),
      emit: (e) => events.push(e),
    });
    expect(result.outcome).toBe('done');
    const best = result.best;
    if (!best) throw new Error('no best model');
    const model = buildModel(best.chromosome, config.network);
    restoreWeights(model, best.weights);
    const onVal = await evaluate(model, data, splits.val);
    const onTest = await evaluate(model, data, splits.test);
    model.dispose();
    expect(onVal.accuracy).toBe(best.fitness);
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
    expect(log.best?.valAccuracy).toBe(best.fitness);
    expect(log.best?.testAccuracy).toBe(onTest.accuracy);
    expect(tf.memory().numTensors).toBe(before);
  });
});
