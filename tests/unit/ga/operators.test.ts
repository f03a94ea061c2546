import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  GENE_COUNT,
  PAPER_BEST,
  Rng,
  cxKPoint,
  cxOnePoint,
  cxTwoPoint,
  fromGenes,
  geneSpecs,
  hofUpdate,
  initChromosome,
  mutGene,
  mutGenes,
  selBest,
  selRandom,
  selRoulette,
  selTournament,
  toGenes,
  validateChromosome,
  varAnd,
} from '../../../src/ga';
import type { Chromosome, GeneSpec, GeneValue, RandomSource } from '../../../src/ga';
import { scripted } from '../../helpers/ga';

const A = Object.freeze([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const B = Object.freeze([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
const maxFiltersArb = fc.integer({ min: 1, max: 10 }).map((e) => 2 ** e);
const valid = (genes: readonly GeneValue[], maxFilters: number): string[] =>
  validateChromosome(fromGenes(genes), maxFilters);

describe('crossover', () => {
  it('cxOnePoint swaps the tail after int(1, n-1)', () => {
    const rng = scripted([['int', 3]]);
    expect(cxOnePoint(rng, A, B)).toEqual([
      [0, 1, 2, 13, 14, 15, 16, 17, 18, 19],
      [10, 11, 12, 3, 4, 5, 6, 7, 8, 9],
    ]);
    expect(rng.left()).toBe(0);
  });

  it('cxTwoPoint swaps the middle, as DEAP orders its two draws', () => {
    // p1 = 2, p2 = 5 >= p1 so p2 becomes 6: swap [2, 6).
    expect(
      cxTwoPoint(
        scripted([
          ['int', 2],
          ['int', 5],
        ]),
        A,
        B,
      ),
    ).toEqual([
      [0, 1, 12, 13, 14, 15, 6, 7, 8, 9],
      [10, 11, 2, 3, 4, 5, 16, 17, 18, 19],
    ]);
    // p1 = 7, p2 = 3 < p1 so they swap: [3, 7).
    expect(
      cxTwoPoint(
        scripted([
          ['int', 7],
          ['int', 3],
        ]),
        A,
        B,
      ),
    ).toEqual([
      [0, 1, 2, 13, 14, 15, 16, 7, 8, 9],
      [10, 11, 12, 3, 4, 5, 6, 17, 18, 19],
    ]);
  });

  it('cxKPoint picks k distinct cuts and swaps every second segment', () => {
    // cuts 1..9; draws pick positions 4 -> 5, 1 -> 2, 8 -> 9: points [2, 5, 9] (+ end), swap [2,5) and [9,10).
    const rng = scripted([
      ['int', 4],
      ['int', 1],
      ['int', 8],
    ]);
    expect(cxKPoint(rng, A, B, 3)).toEqual([
      [0, 1, 12, 13, 14, 5, 6, 7, 8, 19],
      [10, 11, 2, 3, 4, 15, 16, 17, 18, 9],
    ]);
    expect(rng.left()).toBe(0);
    // k = 4 alternates four segments: cuts 2,4,6,8 -> swap [2,4) and [6,8).
    expect(
      cxKPoint(
        scripted([
          ['int', 1],
          ['int', 3],
          ['int', 5],
          ['int', 7],
        ]),
        A,
        B,
        4,
      )[0],
    ).toEqual([0, 1, 12, 13, 4, 5, 16, 17, 8, 9]);
  });

  it('leaves its parents unchanged (they are frozen) and keeps every child gene valid', () => {
    const specs = geneSpecs();
    expect(specs).toHaveLength(GENE_COUNT);
    fc.assert(
      fc.property(fc.integer(), maxFiltersArb, fc.integer({ min: 1, max: GENE_COUNT - 1 }), (seed, maxFilters, k) => {
        const rng = Rng.fromSeed(seed);
        const a = Object.freeze(toGenes(initChromosome(rng, maxFilters)));
        const b = Object.freeze(toGenes(initChromosome(rng, maxFilters)));
        for (const [c1, c2] of [cxOnePoint(rng, a, b), cxTwoPoint(rng, a, b), cxKPoint(rng, a, b, k)]) {
          expect(valid(c1, maxFilters)).toEqual([]);
          expect(valid(c2, maxFilters)).toEqual([]);
          // Each position holds the two parents' genes, one in each child.
          c1.forEach((g, i) => expect([g, c2[i]].sort()).toEqual([a[i], b[i]].sort()));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('mutation', () => {
  const specs = geneSpecs(8);
  const filters = specs[0] as GeneSpec;
  const kernel = specs[1] as GeneSpec;
  const activation = specs[2] as GeneSpec;
  const lr = specs[19] as GeneSpec;

  it('categorical: another value, never the same', () => {
    expect(mutGene(scripted([['int', 2]]), activation, 'tanh')).toBe('sigmoid');
    expect(mutGene(scripted([['int', 1]]), activation, 'tanh')).toBe('elu');
    expect(mutGene(scripted([['int', 0]]), activation, 'relu')).toBe('elu');
  });

  it('ordinal: a neighbour or a redraw of another value', () => {
    expect(
      mutGene(
        scripted([
          ['next', 0.2],
          ['next', 0.7],
        ]),
        kernel,
        5,
      ),
    ).toBe(4);
    expect(
      mutGene(
        scripted([
          ['next', 0.2],
          ['next', 0.3],
        ]),
        kernel,
        5,
      ),
    ).toBe(6);
    expect(mutGene(scripted([['next', 0.1]]), kernel, 9)).toBe(8);
    expect(mutGene(scripted([['next', 0.1]]), filters, 2)).toBe(4);
    expect(
      mutGene(
        scripted([
          ['next', 0.9],
          ['int', 4],
        ]),
        kernel,
        5,
      ),
    ).toBe(6);
    expect(
      mutGene(
        scripted([
          ['next', 0.9],
          ['int', 3],
        ]),
        kernel,
        5,
      ),
    ).toBe(4);
    // A one-value domain (maxFilters 2) cannot change and draws nothing.
    expect(mutGene(scripted([]), geneSpecs(2)[0] as GeneSpec, 2)).toBe(2);
  });

  it('learning rate: a clipped log-normal perturbation, or a log-uniform redraw', () => {
    expect(
      mutGene(
        scripted([
          ['next', 0.1],
          ['normal', 1],
        ]),
        lr,
        0.005,
      ),
    ).toBe(0.007095);
    expect(
      mutGene(
        scripted([
          ['next', 0.1],
          ['normal', -1],
        ]),
        lr,
        0.005,
      ),
    ).toBe(0.003523);
    expect(
      mutGene(
        scripted([
          ['next', 0.1],
          ['normal', 10],
        ]),
        lr,
        0.005,
      ),
    ).toBe(0.01);
    expect(
      mutGene(
        scripted([
          ['next', 0.1],
          ['normal', -10],
        ]),
        lr,
        0.005,
      ),
    ).toBe(0.001);
    expect(
      mutGene(
        scripted([
          ['next', 0.6],
          ['next', 0.5],
        ]),
        lr,
        0.005,
      ),
    ).toBe(0.003162);
  });

  it('mutGenes mutates each gene with probability indpb, in order', () => {
    const parent = Object.freeze(toGenes({ ...PAPER_BEST, conv: PAPER_BEST.conv.map((g) => ({ ...g, filters: 8 })) }));
    const script: (readonly ['next' | 'int' | 'normal', number])[] = [];
    for (let i = 0; i < GENE_COUNT; i++) {
      if (i === 2)
        script.push(['next', 0.01], ['int', 0]); // tanh -> relu
      else if (i === 19)
        script.push(['next', 0.01], ['next', 0.1], ['normal', 1]); // 0.007 -> 0.009933
      else script.push(['next', 0.99]);
    }
    const rng = scripted(script);
    const child = mutGenes(rng, parent, specs, 0.05);
    expect(rng.left()).toBe(0);
    expect(child).toEqual([...parent.slice(0, 2), 'relu', ...parent.slice(3, 19), 0.009933]);
  });

  it('mutGenes mutates one random gene when no gene was picked (unlike DEAP)', () => {
    const parent = toGenes({ ...PAPER_BEST, conv: PAPER_BEST.conv.map((g) => ({ ...g, filters: 8 })) });
    const script: (readonly ['next' | 'int', number])[] = Array.from(
      { length: GENE_COUNT },
      () => ['next', 0.99] as const,
    );
    script.push(['int', 18], ['int', 0]); // gene 18 is the optimizer: adagrad -> adam
    const child = mutGenes(scripted(script), parent, specs, 0.05);
    expect(child).toEqual([...parent.slice(0, 18), 'adam', 0.007]);
  });

  it('every mutated gene stays in its domain, for any seed, maxFilters and indpb', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        maxFiltersArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (seed, maxFilters, indpb) => {
          const rng = Rng.fromSeed(seed);
          const s = geneSpecs(maxFilters);
          const parent = Object.freeze(toGenes(initChromosome(rng, maxFilters)));
          let genes: readonly GeneValue[] = parent;
          for (let i = 0; i < 20; i++) {
            genes = mutGenes(rng, genes, s, indpb);
            expect(valid(genes, maxFilters)).toEqual([]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

interface Ind {
  readonly id: string;
  readonly fitness: number | null;
  readonly chromosome: Chromosome;
}
const ind = (id: string, fitness: number | null, chromosome: Chromosome = PAPER_BEST): Ind => ({
  id,
  fitness,
  chromosome,
});

describe('selection', () => {
  const pop = [ind('a', 0.1), ind('b', 0.5), ind('c', 0.3), ind('d', null), ind('e', 0.3)];
  const ids = (xs: readonly Ind[]): string[] => xs.map((x) => x.id);

  it('selRandom draws with replacement and returns the same objects', () => {
    const out = selRandom(
      scripted([
        ['int', 4],
        ['int', 4],
        ['int', 0],
      ]),
      pop,
      3,
    );
    expect(ids(out)).toEqual(['e', 'e', 'a']);
    expect(out[0]).toBe(pop[4]);
  });

  it('selTournament: the fittest aspirant wins, the first of equals, failed counts as 0', () => {
    const rng = scripted([
      ['int', 0],
      ['int', 2],
      ['int', 3],
      ['int', 1],
      ['int', 4],
      ['int', 2],
      ['int', 3],
      ['int', 3],
    ]);
    expect(ids(selTournament(rng, pop, 4, 2))).toEqual(['c', 'b', 'e', 'd']);
    expect(rng.left()).toBe(0);
  });

  it('selRoulette: fitness-proportionate over the descending sort, uniform when all fitness is 0', () => {
    // sorted b .5, c .3, e .3, a .1, d 0; total 1.2.
    const rng = scripted([
      ['next', 0.1],
      ['next', 0.5],
      ['next', 0.7],
      ['next', 0.99],
    ]);
    expect(ids(selRoulette(rng, pop, 4))).toEqual(['b', 'c', 'e', 'a']);
    const zeros = [ind('x', 0), ind('y', null)];
    expect(ids(selRoulette(scripted([['int', 1]]), zeros, 1))).toEqual(['y']);
  });

  it('selBest sorts by fitness, ties in input order, and does not reorder its input', () => {
    expect(ids(selBest(pop, 3))).toEqual(['b', 'c', 'e']);
    expect(ids(pop)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('selection only ever returns members of the population', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.option(fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        (seed, fits, t) => {
          const population = fits.map((f, i) => ind(String(i), f));
          const rng = Rng.fromSeed(seed);
          for (const out of [selTournament(rng, population, 7, t), selRoulette(rng, population, 7)]) {
            expect(out).toHaveLength(7);
            for (const x of out) expect(population).toContain(x);
          }
        },
      ),
    );
  });
});

describe('varAnd', () => {
  it('mates pairs with probability cxpb, then mutates each with probability mutpb; inputs unchanged', () => {
    const input = Object.freeze([
      Object.freeze([1, 1]),
      Object.freeze([2, 2]),
      Object.freeze([3, 3]),
      Object.freeze([4, 4]),
      Object.freeze([5, 5]),
    ]);
    const calls: string[] = [];
    const mate = (_r: RandomSource, a: readonly number[], b: readonly number[]): [number[], number[]] => {
      calls.push(`mate ${a} ${b}`);
      return [
        [a[0] as number, b[1] as number],
        [b[0] as number, a[1] as number],
      ];
    };
    const mutate = (_r: RandomSource, g: readonly number[]): number[] => {
      calls.push(`mutate ${g}`);
      return g.map((x) => -x);
    };
    const rng = scripted([
      ['next', 0.1],
      ['next', 0.9],
      ['next', 0.2],
      ['next', 0.8],
      ['next', 0.8],
      ['next', 0.3],
      ['next', 0.8],
    ]);
    const out = varAnd(rng, input, 0.5, 0.5, mate, mutate);
    expect(rng.left()).toBe(0);
    expect(out).toEqual([
      [-1, -2],
      [2, 1],
      [3, 3],
      [-4, -4],
      [5, 5],
    ]);
    expect(calls).toEqual(['mate 1,1 2,2', 'mutate 1,2', 'mutate 4,4']);
    expect(out[4]).not.toBe(input[4]);
  });

  it('keeps every gene of every child in its domain, for any seed and maxFilters', () => {
    fc.assert(
      fc.property(fc.integer(), maxFiltersArb, (seed, maxFilters) => {
        const rng = Rng.fromSeed(seed);
        const specs = geneSpecs(maxFilters);
        const pop = Array.from({ length: 6 }, () => toGenes(initChromosome(rng, maxFilters)));
        const out = varAnd(
          rng,
          pop,
          0.9,
          0.9,
          (r, a, b) => cxTwoPoint(r, a, b),
          (r, g) => mutGenes(r, g, specs, 0.2),
        );
        for (const g of out) expect(valid(g, maxFilters)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('hall of fame', () => {
  const c = (lr: number): Chromosome => ({ ...PAPER_BEST, learningRate: lr });
  it('keeps the best distinct chromosomes, best first, and never a failed one', () => {
    const hall0 = Object.freeze([ind('x', 0.6, c(0.002))]);
    const hall = hofUpdate(
      hall0,
      [
        ind('a', 0.5, c(0.003)),
        ind('b', 0.9, c(0.004)),
        ind('dup', 0.95, c(0.002)),
        ind('f', null, c(0.005)),
        ind('g', 0.6, c(0.006)),
      ],
      3,
    );
    expect(hall.map((h) => h.id)).toEqual(['b', 'x', 'g']);
    expect(hall0.map((h) => h.id)).toEqual(['x']);
    expect(hofUpdate([], [ind('f', null)], 2)).toEqual([]);
  });
});
