import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ACTIVATIONS,
  GENE_COUNT,
  LR_MAX,
  LR_MIN,
  OPTIMIZERS,
  PAPER_BEST,
  Rng,
  chromosomeKey,
  drawLogUniform,
  filterValues,
  fromGenes,
  geneSpecs,
  initChromosome,
  initGenes,
  isValidMaxFilters,
  parseChromosome,
  roundLearningRate,
  toGenes,
  validateChromosome,
} from '../../../src/ga';
import { scripted } from '../../helpers/ga';

const maxFiltersArb = fc.integer({ min: 1, max: 10 }).map((e) => 2 ** e);

describe('gene encoding', () => {
  it('lays out 6 x (filters, kernel, activation), optimizer, learning rate and round-trips', () => {
    const genes = toGenes(PAPER_BEST);
    expect(genes).toHaveLength(GENE_COUNT);
    expect(genes.slice(0, 6)).toEqual([8, 3, 'tanh', 8, 5, 'relu']);
    expect(genes.slice(-2)).toEqual(['adagrad', 0.007]);
    expect(fromGenes(genes)).toEqual(PAPER_BEST);
  });

  it('caps the filter domain at maxFilters', () => {
    expect(filterValues(8)).toEqual([2, 4, 8]);
    expect(filterValues()).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
    expect(isValidMaxFilters(12)).toBe(false);
    expect(isValidMaxFilters(1)).toBe(false);
    expect(isValidMaxFilters(2048)).toBe(false);
    expect(() => filterValues(12)).toThrow(/power of two/);
    const specs = geneSpecs(8);
    expect(specs[0]).toEqual({ kind: 'ordinal', name: 'conv1.filters', values: [2, 4, 8] });
    expect(specs[1]).toEqual({ kind: 'ordinal', name: 'conv1.kernel', values: [1, 2, 3, 4, 5, 6, 7, 8, 9] });
    expect(specs[2]).toEqual({ kind: 'categorical', name: 'conv1.activation', values: ACTIVATIONS });
    expect(specs[18]).toEqual({ kind: 'categorical', name: 'optimizer', values: OPTIMIZERS });
    expect(specs[19]).toEqual({ kind: 'log-uniform', name: 'learningRate', min: LR_MIN, max: LR_MAX });
  });

  it('rejects a bad gene list with a clear error', () => {
    expect(() => fromGenes([1, 2])).toThrow(/20 genes, got 2/);
    const genes = toGenes(PAPER_BEST);
    genes[2] = 5;
    expect(() => fromGenes(genes)).toThrow(/gene 2 must be a string/);
  });
});

describe('validator', () => {
  it('accepts the paper best and names every problem of a bad chromosome', () => {
    expect(validateChromosome(PAPER_BEST)).toEqual([]);
    const bad = {
      conv: [
        { filters: 3, kernel: 3, activation: 'tanh' },
        { filters: 8, kernel: 0, activation: 'relu' },
        { filters: 8, kernel: 3, activation: 'swish' },
        ...PAPER_BEST.conv.slice(3),
      ],
      optimizer: 'lion',
      learningRate: 0.5,
    };
    expect(validateChromosome(bad)).toEqual([
      'conv[0].filters must be a power of two from 2 to 1024, got 3',
      'conv[1].kernel must be an integer from 1 to 9, got 0',
      'conv[2].activation must be one of relu, elu, tanh, sigmoid, hard_sigmoid, softplus, linear, got "swish"',
      'optimizer must be one of adam, sgd, rmsprop, adadelta, adagrad, adamax, nadam, got "lion"',
      'learningRate must be a number from 0.001 to 0.01, got 0.5',
    ]);
    expect(validateChromosome(null)).toEqual(['chromosome must be an object']);
    expect(validateChromosome({ conv: [], optimizer: 'adam', learningRate: 0.001 })).toEqual([
      'conv must be an array of 6 layers',
    ]);
  });

  it('applies maxFilters', () => {
    expect(validateChromosome(PAPER_BEST, 8)).toContain('conv[3].filters must be a power of two from 2 to 8, got 256');
    expect(() => parseChromosome(PAPER_BEST, 8)).toThrow(/invalid chromosome: conv\[3\]\.filters/);
    expect(parseChromosome(JSON.parse(JSON.stringify(PAPER_BEST)))).toEqual(PAPER_BEST);
  });
});

describe('learning rate', () => {
  it('is drawn log-uniformly and rounded to 4 significant digits', () => {
    expect(drawLogUniform(scripted([['next', 0]]), LR_MIN, LR_MAX)).toBeCloseTo(1e-3, 12);
    expect(roundLearningRate(drawLogUniform(scripted([['next', 0.5]]), LR_MIN, LR_MAX))).toBe(0.003162);
    expect(roundLearningRate(0.0100004)).toBe(0.01);
    expect(roundLearningRate(0.0009)).toBe(0.001);
    // Half the draws fall below the geometric mean sqrt(1e-3 * 1e-2) = 0.00316 (uniform would give 24%).
    const rng = Rng.fromSeed(7);
    const lrs = Array.from({ length: 4000 }, () => initChromosome(rng).learningRate);
    const below = lrs.filter((x) => x < 0.003162).length / lrs.length;
    expect(below).toBeGreaterThan(0.46);
    expect(below).toBeLessThan(0.54);
  });
});

describe('initGenes', () => {
  it('draws one value per gene in order (fixed draws, exact chromosome)', () => {
    const specs = geneSpecs(8);
    const script: (readonly ['next' | 'int', number])[] = [];
    for (let l = 0; l < 6; l++) script.push(['int', l % 3], ['int', l], ['int', 6 - l]);
    script.push(['int', 4], ['next', 0.5]);
    const rng = scripted(script);
    const c = fromGenes(initGenes(rng, specs));
    expect(rng.left()).toBe(0);
    expect(c).toEqual({
      conv: [
        { filters: 2, kernel: 1, activation: 'linear' },
        { filters: 4, kernel: 2, activation: 'softplus' },
        { filters: 8, kernel: 3, activation: 'hard_sigmoid' },
        { filters: 2, kernel: 4, activation: 'sigmoid' },
        { filters: 4, kernel: 5, activation: 'tanh' },
        { filters: 8, kernel: 6, activation: 'elu' },
      ],
      optimizer: 'adagrad',
      learningRate: 0.003162,
    });
  });

  it('always gives a valid chromosome, for any seed and any maxFilters', () => {
    fc.assert(
      fc.property(fc.integer(), maxFiltersArb, (seed, maxFilters) => {
        const c = initChromosome(Rng.fromSeed(seed), maxFilters);
        expect(validateChromosome(c, maxFilters)).toEqual([]);
        expect(c.learningRate).toBe(Number(c.learningRate.toPrecision(4)));
        expect(chromosomeKey(fromGenes(toGenes(c)))).toBe(chromosomeKey(c));
      }),
      { numRuns: 300 },
    );
  });
});
