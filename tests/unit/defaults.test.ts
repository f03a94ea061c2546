import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../src/experiment/defaults';
import { trainingSettings } from '../../src/experiment/run';
import { DEFAULT_TRAIN } from '../../src/ml/train';

// The page cannot import src/ml (tfjs stays in the worker), so the lab's defaults repeat the trainer's: keep them equal.
describe('starting settings', () => {
  it('train candidates exactly as the trainer defaults do', () => {
    expect(trainingSettings(DEFAULT_RUN_CONFIG)).toEqual(DEFAULT_TRAIN);
  });
});
