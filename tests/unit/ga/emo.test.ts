import { describe, expect, it } from 'vitest';
import {
  crowdingDistances,
  dominates,
  paretoFront,
  Rng,
  selNSGA2,
  selTournamentDCD,
  sortNondominated,
  type Ranked,
  type Weight,
} from '../../../src/ga';
import { scripted } from '../../helpers/ga';

interface P {
  readonly name: string;
  readonly v: readonly number[];
}
const p = (name: string, ...v: number[]): P => ({ name, v });
const values = (x: P): readonly number[] => x.v;
const names = (xs: readonly P[]): string[] => xs.map((x) => x.name);

// Accuracy up, parameters down: b and d are equal, c is dominated by a, f by b, g by a and c.
const ACC_PARAMS: readonly Weight[] = [1, -1];
const a = p('a', 0.5, 100);
const b = p('b', 0.6, 200);
const c = p('c', 0.4, 150);
const d = p('d', 0.6, 200);
const e = p('e', 0.3, 50);
const f = p('f', 0.6, 300);
const g = p('g', 0.35, 160);
const SEVEN = [a, b, c, d, e, f, g];

describe('dominates', () => {
  it('compares weighted values: nowhere worse and somewhere better', () => {
    expect(dominates([0.5, 100], [0.4, 150], ACC_PARAMS)).toBe(true);
    expect(dominates([0.6, 200], [0.6, 300], ACC_PARAMS)).toBe(true);
    expect(dominates([0.6, 200], [0.6, 200], ACC_PARAMS)).toBe(false);
    expect(dominates([0.5, 100], [0.6, 200], ACC_PARAMS)).toBe(false);
    expect(dominates([0.6, 200], [0.5, 100], ACC_PARAMS)).toBe(false);
    expect(dominates([1, 1], [2, 2], [-1, -1])).toBe(true);
  });
});

describe('sortNondominated', () => {
  it('puts equal values in one front and ranks every front (two objectives, ties, a duplicate)', () => {
    expect(sortNondominated(SEVEN, 7, values, ACC_PARAMS).map(names)).toEqual([
      ['a', 'b', 'd', 'e'],
      ['c', 'f'],
      ['g'],
    ]);
  });

  it('stops once k individuals are placed, finishing the front it is in', () => {
    expect(sortNondominated(SEVEN, 4, values, ACC_PARAMS).map(names)).toEqual([['a', 'b', 'd', 'e']]);
    expect(sortNondominated(SEVEN, 5, values, ACC_PARAMS).map(names)).toEqual([
      ['a', 'b', 'd', 'e'],
      ['c', 'f'],
    ]);
    expect(sortNondominated(SEVEN, 0, values, ACC_PARAMS)).toEqual([]);
    expect(sortNondominated(SEVEN, 7, values, ACC_PARAMS, true).map(names)).toEqual([['a', 'b', 'd', 'e']]);
  });

  it('sorts three objectives; a duplicate joins its twin, listed after it', () => {
    const THREE: readonly Weight[] = [1, 1, 1];
    const pts = [
      p('A', 1, 5, 3),
      p('B', 2, 4, 1),
      p('C', 3, 3, 5),
      p('D', 4, 1, 6),
      p('E', 5, 2, 4),
      p('F', 2, 2, 2),
      p('G', 1, 5, 3),
    ];
    expect(sortNondominated(pts, 7, values, THREE).map(names)).toEqual([['A', 'G', 'B', 'C', 'D', 'E'], ['F']]);
  });
});

describe('crowding distance', () => {
  it('two objectives: the ends get Infinity, inner points the normalised gaps; of equal twins the later one is an end', () => {
    const dist = crowdingDistances([a, b, d, e], values);
    // Accuracy sorts e a b d: a (0.6-0.3)/0.6 = 0.5, b (0.6-0.5)/0.6; parameters sort e a b d: a 150/300, b 100/300.
    expect(dist[0]).toBeCloseTo(1, 12);
    expect(dist[1]).toBeCloseTo(1 / 6 + 1 / 3, 12);
    expect(dist.slice(2)).toEqual([Infinity, Infinity]);
  });

  it("three objectives, each sort starting from the previous one's order (DEAP sorts one list again and again)", () => {
    const front = [
      p('A', 1, 5, 3),
      p('G', 1, 5, 3),
      p('B', 2, 4, 1),
      p('C', 3, 3, 5),
      p('D', 4, 1, 6),
      p('E', 5, 2, 4),
    ];
    const dist = crowdingDistances(front, values);
    // x: A G B C D E (A, E ends); y: D E C B A G (D, G ends); z: B A G E C D (B, D ends): only C is inner throughout.
    expect(dist.map((x) => (Number.isFinite(x) ? Number(x.toFixed(12)) : x))).toEqual([
      Infinity,
      Infinity,
      Infinity,
      Number((7 / 15).toFixed(12)),
      Infinity,
      Infinity,
    ]);
  });

  it('an objective whose values are all equal still marks its first and last, and adds nothing else', () => {
    expect(crowdingDistances([p('x', 1, 5), p('y', 2, 5), p('z', 4, 5)], values)).toEqual([Infinity, 0.5, Infinity]);
    expect(crowdingDistances([p('x', 3, 3), p('y', 3, 3), p('z', 3, 3)], values)).toEqual([Infinity, 0, Infinity]);
    expect(crowdingDistances([], values)).toEqual([]);
  });
});

describe('selNSGA2', () => {
  it('takes whole fronts, then the most crowded-apart of the front that does not fit', () => {
    const chosen = selNSGA2(SEVEN, 5, values, ACC_PARAMS);
    expect(chosen.map((r) => [r.item.name, r.rank])).toEqual([
      ['a', 0],
      ['b', 0],
      ['d', 0],
      ['e', 0],
      ['c', 1],
    ]);
    expect(chosen.map((r) => r.crowding)).toEqual([
      expect.closeTo(1, 12),
      expect.closeTo(0.5, 12),
      Infinity,
      Infinity,
      Infinity,
    ]);
  });

  it('cuts inside the first front by crowding distance (ties keep front order)', () => {
    expect(names(selNSGA2(SEVEN, 3, values, ACC_PARAMS).map((r) => r.item))).toEqual(['d', 'e', 'a']);
  });

  it('with k = n only sorts (each individual once)', () => {
    expect(names(selNSGA2(SEVEN, 7, values, ACC_PARAMS).map((r) => r.item))).toEqual([
      'a',
      'b',
      'd',
      'e',
      'c',
      'f',
      'g',
    ]);
  });
});

describe('selTournamentDCD', () => {
  const ranked: Ranked<P>[] = [
    { item: a, rank: 0, crowding: 1 },
    { item: b, rank: 0, crowding: 0.5 },
    { item: e, rank: 0, crowding: Infinity },
    { item: c, rank: 1, crowding: Infinity },
  ];

  // Permutation 1: int 3 -> c, int 2 -> e, int 0 -> a, int 0 -> b; permutation 2: int 0 x4 -> a c e b; then the coin of (c, e).
  const permutationsThenCoin = (coin: number) =>
    scripted([
      ['int', 3],
      ['int', 2],
      ['int', 0],
      ['int', 0],
      ['int', 0],
      ['int', 0],
      ['int', 0],
      ['int', 0],
      ['next', coin],
    ]);

  it('pairs two permutations drawn as random.sample does, and decides by dominance, crowding, then a coin', () => {
    const rng = permutationsThenCoin(0.7);
    // (c, e): neither dominates, both Infinity: the coin 0.7 > 0.5 takes e. (a, b): a is more crowded apart.
    // (a, c): a dominates c, no coin. (e, b): e is more crowded apart.
    expect(names(selTournamentDCD(rng, ranked, 4, values, ACC_PARAMS))).toEqual(['e', 'a', 'a', 'e']);
    expect(rng.left()).toBe(0);
  });

  it("a coin of exactly 0.5 keeps the first contestant, as DEAP's random() <= 0.5", () => {
    const rng = permutationsThenCoin(0.5);
    expect(names(selTournamentDCD(rng, ranked, 4, values, ACC_PARAMS))[0]).toBe('c');
  });

  it('returns exactly k winners for any population size, continuing a short permutation with more', () => {
    for (const k of [1, 2, 3, 5, 6, 9]) {
      const won = selTournamentDCD(Rng.fromSeed(k), ranked, k, values, ACC_PARAMS);
      expect(won).toHaveLength(k);
      for (const w of won) expect(SEVEN).toContain(w);
    }
    const three = ranked.slice(0, 3);
    expect(selTournamentDCD(Rng.fromSeed(1), three, 3, values, ACC_PARAMS)).toHaveLength(3);
    expect(selTournamentDCD(Rng.fromSeed(1), three, 0, values, ACC_PARAMS)).toEqual([]);
  });
});

describe('paretoFront', () => {
  it('is the first front, best first by the weighted values, one per key', () => {
    expect(names(paretoFront(SEVEN, values, ACC_PARAMS, (x) => x.name))).toEqual(['b', 'd', 'a', 'e']);
    // d is the same individual as b seen again: it is listed once, as its first appearance.
    expect(names(paretoFront(SEVEN, values, ACC_PARAMS, (x) => (x.name === 'd' ? 'b' : x.name)))).toEqual([
      'b',
      'a',
      'e',
    ]);
  });
});
