/**
 * NSGA-II's operators after DEAP's tools/emo.py: fast non-dominated sort, crowding distance, survivor selection and
 * the dominance/crowding tournament, plus the Pareto front of a set. Pure functions of their arguments and the RNG;
 * none changes its inputs (where DEAP writes `fitness.crowding_dist` onto individuals, these return the numbers).
 * Objective values are given raw (as measured) with DEAP's `weights` (1 maximise, -1 minimise): dominance compares the
 * weighted values, the crowding distance the raw ones, as DEAP does. Differences from DEAP are listed in README.md.
 */
import type { RandomSource } from './rng';

/** An objective's direction, as a DEAP Fitness weight: 1 maximise, -1 minimise. */
export type Weight = 1 | -1;

/** Reads an individual's raw objective values (one per weight). */
export type ObjectiveValues<T> = (individual: T) => readonly number[];

/** An individual chosen by selNSGA2 with its front rank (0 is the first front) and its crowding distance in that front. */
export interface Ranked<T> {
  readonly item: T;
  readonly rank: number;
  readonly crowding: number;
}

/** True when `a` is nowhere worse than `b` and somewhere better, on the weighted values (DEAP Fitness.dominates). */
export function dominates(a: readonly number[], b: readonly number[], weights: readonly Weight[]): boolean {
  let better = false;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    const x = (a[i] as number) * w;
    const y = (b[i] as number) * w;
    if (x > y) better = true;
    else if (x < y) return false;
  }
  return better;
}

/** Equal values are one fitness in DEAP (a dict key): they land in the same front together. */
const valuesKey = (values: readonly number[]): string => values.map(String).join('|');

/**
 * DEAP's sortNondominated: the fronts (lists of the input objects) of the first `k` individuals to be sorted, the
 * non-dominated first; sorting stops once `min(k, n)` individuals are placed (the last front is complete, so the fronts
 * may hold more). Individuals with equal values share a front, in input order. No randomness.
 */
export function sortNondominated<T>(
  individuals: readonly T[],
  k: number,
  values: ObjectiveValues<T>,
  weights: readonly Weight[],
  firstFrontOnly = false,
): T[][] {
  if (k === 0) return [];
  // One entry per distinct fitness, in order of first appearance (Python's dict order).
  const groups = new Map<string, { readonly values: readonly number[]; readonly members: T[] }>();
  for (const ind of individuals) {
    const v = values(ind);
    const key = valuesKey(v);
    const group = groups.get(key);
    if (group) group.members.push(ind);
    else groups.set(key, { values: v, members: [ind] });
  }
  const fits = [...groups.values()];
  const dominatedBy = fits.map(() => 0);
  const dominating: number[][] = fits.map(() => []);
  let current: number[] = [];
  for (let i = 0; i < fits.length; i++) {
    for (let j = i + 1; j < fits.length; j++) {
      const vi = (fits[i] as (typeof fits)[number]).values;
      const vj = (fits[j] as (typeof fits)[number]).values;
      if (dominates(vi, vj, weights)) {
        dominatedBy[j] = (dominatedBy[j] as number) + 1;
        (dominating[i] as number[]).push(j);
      } else if (dominates(vj, vi, weights)) {
        dominatedBy[i] = (dominatedBy[i] as number) + 1;
        (dominating[j] as number[]).push(i);
      }
    }
    if (dominatedBy[i] === 0) current.push(i);
  }
  const members = (f: number): T[] => (fits[f] as (typeof fits)[number]).members;
  const fronts: T[][] = [current.flatMap(members)];
  let sorted = (fronts[0] as T[]).length;
  if (!firstFrontOnly) {
    const n = Math.min(individuals.length, k);
    while (sorted < n) {
      const front: T[] = [];
      const next: number[] = [];
      for (const p of current) {
        for (const d of dominating[p] as number[]) {
          dominatedBy[d] = (dominatedBy[d] as number) - 1;
          if (dominatedBy[d] === 0) {
            next.push(d);
            sorted += members(d).length;
            front.push(...members(d));
          }
        }
      }
      fronts.push(front);
      current = next;
    }
  }
  return fronts;
}

const ascending = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * DEAP's assignCrowdingDist, returning the distances (in `front` order) instead of writing them onto the individuals.
 * Per objective the front is sorted by raw value (stably, starting from the previous objective's order, as DEAP sorts
 * one list again and again); the first and last get Infinity, even when every value is equal, and the others add
 * (next - previous) / (objectives x (max - min)); an objective whose values are all equal adds nothing else.
 */
export function crowdingDistances<T>(front: readonly T[], values: ObjectiveValues<T>): number[] {
  if (front.length === 0) return [];
  const distances = front.map(() => 0);
  const crowd = front.map((ind, i) => ({ v: values(ind), i }));
  const nobj = (crowd[0] as (typeof crowd)[number]).v.length;
  for (let o = 0; o < nobj; o++) {
    crowd.sort((a, b) => ascending(a.v[o] as number, b.v[o] as number));
    const first = crowd[0] as (typeof crowd)[number];
    const last = crowd[crowd.length - 1] as (typeof crowd)[number];
    distances[first.i] = Infinity;
    distances[last.i] = Infinity;
    if (last.v[o] === first.v[o]) continue;
    const norm = nobj * ((last.v[o] as number) - (first.v[o] as number));
    for (let c = 1; c < crowd.length - 1; c++) {
      const prev = crowd[c - 1] as (typeof crowd)[number];
      const next = crowd[c + 1] as (typeof crowd)[number];
      const cur = crowd[c] as (typeof crowd)[number];
      distances[cur.i] = (distances[cur.i] as number) + ((next.v[o] as number) - (prev.v[o] as number)) / norm;
    }
  }
  return distances;
}

/**
 * DEAP's selNSGA2 (nd='standard'): `k` individuals, each at most once: whole fronts in order, then the largest crowding
 * distances of the front that does not fit (ties keep front order). Each comes with its rank and its crowding distance
 * as computed over its whole front, which selTournamentDCD reads. Returns the input objects. No randomness.
 */
export function selNSGA2<T>(
  individuals: readonly T[],
  k: number,
  values: ObjectiveValues<T>,
  weights: readonly Weight[],
): Ranked<T>[] {
  const fronts = sortNondominated(individuals, k, values, weights);
  const ranked = fronts.map((front, rank) => {
    const d = crowdingDistances(front, values);
    return front.map((item, i) => ({ item, rank, crowding: d[i] as number }));
  });
  const chosen = ranked.slice(0, -1).flat();
  const left = k - chosen.length;
  if (left > 0) {
    const last = [...(ranked[ranked.length - 1] ?? [])].sort((a, b) => ascending(b.crowding, a.crowding));
    chosen.push(...last.slice(0, left));
  }
  return chosen;
}

/** Python's random.sample(items, len(items)) by its pool method: one `int(0, n-1-i)` draw per position. */
function samplePermutation<T>(rng: RandomSource, items: readonly T[]): T[] {
  const pool = [...items];
  const n = pool.length;
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const j = rng.int(0, n - i - 1);
    out.push(pool[j] as T);
    pool[j] = pool[n - i - 1] as T;
  }
  return out;
}

/**
 * DEAP's selTournamentDCD: binary tournaments on dominance, then the larger crowding distance, then a coin (`next()
 * <= 0.5` keeps the first). Contestants come in pairs from two random permutations drawn first (positions 4b, 4b+1 and
 * 4b+2, 4b+3 of the first, then of the second), so with a population that is a multiple of 4 and `k` up to its size
 * this is DEAP's operator draw for draw. Unlike DEAP it takes any population size and any `k`: a permutation too short
 * for `k` is continued by further permutations (all drawn before the first tournament), and exactly `k` winners are
 * returned (DEAP returns a multiple of 4 and refuses other sizes). Returns the input items.
 */
export function selTournamentDCD<T>(
  rng: RandomSource,
  individuals: readonly Ranked<T>[],
  k: number,
  values: ObjectiveValues<T>,
  weights: readonly Weight[],
): T[] {
  if (k <= 0) return [];
  const n = individuals.length;
  if (n === 0) throw new Error('selTournamentDCD from an empty population');
  const length = 4 * Math.ceil(k / 4);
  const stream = (): Ranked<T>[] => {
    const s: Ranked<T>[] = [];
    while (s.length < length) s.push(...samplePermutation(rng, individuals));
    return s;
  };
  const first = stream();
  const second = stream();
  const tourn = (a: Ranked<T>, b: Ranked<T>): T => {
    const va = values(a.item);
    const vb = values(b.item);
    if (dominates(va, vb, weights)) return a.item;
    if (dominates(vb, va, weights)) return b.item;
    if (a.crowding < b.crowding) return b.item;
    if (a.crowding > b.crowding) return a.item;
    return rng.next() <= 0.5 ? a.item : b.item;
  };
  const chosen: T[] = [];
  for (let i = 0; chosen.length < k; i += 4) {
    for (const [s, at] of [
      [first, i],
      [first, i + 2],
      [second, i],
      [second, i + 2],
    ] as const) {
      if (chosen.length >= k) break;
      chosen.push(tourn(s[at] as Ranked<T>, s[at + 1] as Ranked<T>));
    }
  }
  return chosen;
}

/**
 * The Pareto front of `individuals`: those no other dominates (sortNondominated's first front), one per `key` (the
 * first of equal keys: the same individual seen twice), best first: by the weighted values compared objective by
 * objective, then input order. Returns the input objects. No randomness.
 */
export function paretoFront<T>(
  individuals: readonly T[],
  values: ObjectiveValues<T>,
  weights: readonly Weight[],
  key: (t: T) => string,
): T[] {
  const seen = new Set<string>();
  const front = (sortNondominated(individuals, individuals.length, values, weights, true)[0] ?? []).filter((ind) => {
    const k = key(ind);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const order = new Map(individuals.map((ind, i) => [ind, i] as const));
  return front.sort((a, b) => {
    const va = values(a);
    const vb = values(b);
    for (let o = 0; o < weights.length; o++) {
      const w = weights[o] as number;
      const d = ascending((vb[o] as number) * w, (va[o] as number) * w);
      if (d !== 0) return d;
    }
    return (order.get(a) as number) - (order.get(b) as number);
  });
}
