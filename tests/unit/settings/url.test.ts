import { describe, expect, it } from 'vitest';
import {
  applyPreset,
  configFromQuery,
  configToQuery,
  matchingPreset,
  mergeQuery,
  PRESETS,
} from '../../../src/store/settings';
import { DEFAULT_RUN_CONFIG, SETTINGS } from '../../../src/settings';
import type { RunConfig } from '../../../src/worker/api';

describe('settings in the address', () => {
  it('writes nothing for the defaults and reads the defaults back', () => {
    expect(configToQuery(DEFAULT_RUN_CONFIG).toString()).toBe('');
    expect(configFromQuery('')).toEqual({ config: DEFAULT_RUN_CONFIG, errors: [] });
  });

  it('round-trips every setting changed at once', () => {
    const changed: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      seed: 7,
      populationSize: 3,
      generations: 1,
      epochs: 2,
      perClass: 8,
      maxFilters: 4,
      crossover: 'k-point',
      crossoverPoints: 5,
      crossoverRate: 0.35,
      mutationRate: 0.05,
      selection: 'roulette',
      tournamentSize: 2,
      elitism: 2,
      hallOfFameSize: 3,
      batchSize: 16,
      patience: 0,
      augmentFlip: true,
      network: { denseUnits: 64, dropoutConv: 0.1, dropoutDense: 0.3 },
      split: 'paper-clean',
      strategy: 'random',
      fidelity: 'halving',
      eta: 4,
      maxParams: 250000,
      maxMflops: 40,
      maxSeconds: 120,
    };
    const q = configToQuery(changed);
    // Every setting but the objectives differs from its default (halving takes one objective), so all those are in the query.
    expect([...q.keys()].sort()).toEqual(
      SETTINGS.map((s) => s.url)
        .filter((u) => u !== 'obj')
        .sort(),
    );
    expect(q.get('pop')).toBe('3');
    expect(q.get('gens')).toBe('1');
    expect(configFromQuery(q.toString())).toEqual({ config: changed, errors: [] });
    const multi: RunConfig = { ...changed, fidelity: 'full', objectives: ['accuracy', 'latency'] };
    const mq = configToQuery(multi);
    expect(mq.get('obj')).toBe('accuracy,latency');
    expect(configFromQuery(mq.toString())).toEqual({ config: multi, errors: [] });
  });

  it('repairs successive halving to full fidelity when the address names two or more objectives, with a message', () => {
    const { config, errors } = configFromQuery('?obj=accuracy,params&fid=halving');
    expect(config).toMatchObject({ objectives: ['accuracy', 'params'], fidelity: 'full' });
    expect(errors).toEqual([
      'fid=halving: Fidelity must be full with two or more objectives (successive halving ranks by accuracy alone); using full',
    ]);
  });

  it('keeps other parameters such as backend= and replaces old settings', () => {
    const search = mergeQuery('?backend=wasm&pop=9&epochs=4', { ...DEFAULT_RUN_CONFIG, populationSize: 5 });
    const q = new URLSearchParams(search);
    expect(q.get('backend')).toBe('wasm');
    expect(q.get('pop')).toBe('5');
    expect(q.has('epochs')).toBe(false);
    expect(mergeQuery('', DEFAULT_RUN_CONFIG)).toBe('');
  });

  it('reports bad values, skips them and uses the rest', () => {
    const { config, errors } = configFromQuery(
      '?pop=1&gens=2&maxf=12&cx=uniform&flip=maybe&cxpb=1.5&epochs=3.5&split=random',
    );
    expect(config).toEqual({ ...DEFAULT_RUN_CONFIG, generations: 2 });
    expect(errors).toEqual([
      'pop=1: Population must be from 2 to 200',
      'epochs=3.5: Epochs must be a whole number',
      'maxf=12: Max filters must be a power of two',
      'cx=uniform: Crossover must be one of one-point, two-point, k-point',
      'cxpb=1.5: Crossover rate must be from 0 to 1',
      'flip=maybe: Flip augmentation must be true or false',
      'split=random: Split must be one of canonical, paper, paper-clean',
    ]);
  });

  it('clamps elitism to the population minus one, with a message', () => {
    const { config, errors } = configFromQuery('?pop=3&elite=5');
    expect(config.elitism).toBe(2);
    expect(errors).toEqual(['elite=5: Elitism must be at most 2 (population minus one); using 2']);
    // The population alone can break the rule with the default elitism (1): then there is no elite= to name.
    expect(configFromQuery('?pop=1&elite=0').errors).toEqual(['pop=1: Population must be from 2 to 200']);
  });

  it('applies a preset without touching the seed or the split', () => {
    const mine: RunConfig = { ...DEFAULT_RUN_CONFIG, seed: 5, split: 'paper', epochs: 7 };
    const quick = applyPreset(mine, 'Quick look');
    expect(quick).toMatchObject({ seed: 5, split: 'paper', epochs: 2, populationSize: 4 });
    expect(applyPreset(quick as RunConfig, 'Paper: population 10, 3 generations')).toEqual({
      ...DEFAULT_RUN_CONFIG,
      seed: 5,
      split: 'paper',
    });
    expect(applyPreset(mine, 'nope')).toBeNull();
  });

  it('recognises the presets whatever the seed and split', () => {
    expect(matchingPreset(DEFAULT_RUN_CONFIG)).toBe('Paper: population 10, 3 generations');
    const quick = PRESETS.find((p) => p.name === 'Quick look');
    expect(quick?.config).toMatchObject({ populationSize: 4, generations: 1, epochs: 2, perClass: 50, maxFilters: 32 });
    expect(matchingPreset({ ...(quick?.config as RunConfig), seed: 123, split: 'paper-clean' })).toBe('Quick look');
    expect(matchingPreset({ ...DEFAULT_RUN_CONFIG, epochs: 11 })).toBeNull();
  });
});
