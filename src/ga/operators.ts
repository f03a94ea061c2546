/**
 * Genetic operators in DEAP's families: init*, sel*, cx*, mut*, plus varAnd and the hall of fame.
 * Every operator is a pure function of its arguments and the RNG: none changes its inputs, all return new arrays
 * (selection returns the selected input objects themselves, not copies, as DEAP does).
 */
import type { RandomSource } from './rng';
import type { Chromosome } from './chromosome';
import { chromosomeKey } from './chromosome';
import type { GeneSpec, GeneValue } from './genes';
import { drawLogUniform, fromGenes, geneSpecs, LR_DIGITS, LR_MUTATION_SIGMA, pickFrom, randomGene } from './genes';

/** Anything selection can rank: `fitness` null (failed, over budget) ranks as 0. */
export interface Scored {
  readonly fitness: number | null;
}

const fit = (s: Scored): number => s.fitness ?? 0;

// ---------------------------------------------------------------- init

/** A random gene list, one draw per gene in order (DEAP initIterate over the specs). */
export function initGenes(rng: RandomSource, specs: readonly GeneSpec[]): GeneValue[] {
  return specs.map((spec) => randomGene(rng, spec));
}

/** A random chromosome with filters capped at `maxFilters`. */
export function initChromosome(rng: RandomSource, maxFilters?: number): Chromosome {
  return fromGenes(initGenes(rng, geneSpecs(maxFilters)));
}

// ---------------------------------------------------------------- selection

/** `k` individuals drawn uniformly with replacement (DEAP selRandom); returns the input objects. */
export function selRandom<T>(rng: RandomSource, individuals: readonly T[], k: number): T[] {
  return Array.from({ length: k }, () => pickFrom(rng, individuals));
}

/** `k` winners of tournaments among `tournsize` aspirants drawn with replacement; the first of equal aspirants wins (DEAP selTournament). */
export function selTournament<T extends Scored>(
  rng: RandomSource,
  individuals: readonly T[],
  k: number,
  tournsize: number,
): T[] {
  const chosen: T[] = [];
  for (let i = 0; i < k; i++) {
    const aspirants = selRandom(rng, individuals, tournsize);
    let best = aspirants[0];
    for (const a of aspirants) if (best === undefined || fit(a) > fit(best)) best = a;
    if (best === undefined) throw new Error('selTournament needs a tournament size of at least 1');
    chosen.push(best);
  }
  return chosen;
}

/**
 * `k` individuals by fitness-proportionate (roulette) selection, as DEAP selRoulette: sort by fitness descending
 * (stable), one `next()` draw per pick. Fitness must be >= 0 (accuracy is); unlike DEAP, when every fitness is 0
 * the pick is uniform instead of nothing.
 */
export function selRoulette<T extends Scored>(rng: RandomSource, individuals: readonly T[], k: number): T[] {
  const sorted = [...individuals].sort((a, b) => fit(b) - fit(a));
  const total = sorted.reduce((s, x) => s + Math.max(0, fit(x)), 0);
  const chosen: T[] = [];
  for (let i = 0; i < k; i++) {
    if (total <= 0) {
      chosen.push(pickFrom(rng, sorted));
      continue;
    }
    const u = rng.next() * total;
    let sum = 0;
    let pick = sorted[sorted.length - 1];
    for (const ind of sorted) {
      sum += Math.max(0, fit(ind));
      if (sum > u) {
        pick = ind;
        break;
      }
    }
    if (pick === undefined) throw new Error('selRoulette from an empty population');
    chosen.push(pick);
  }
  return chosen;
}

/** The `k` fittest, best first; ties keep their input order (DEAP selBest). No randomness. */
export function selBest<T extends Scored>(individuals: readonly T[], k: number): T[] {
  return [...individuals].sort((a, b) => fit(b) - fit(a)).slice(0, k);
}

// ---------------------------------------------------------------- crossover

/** One-point crossover (DEAP cxOnePoint): cut at `int(1, n-1)`, swap the tails. Returns new children. */
export function cxOnePoint<G>(rng: RandomSource, a: readonly G[], b: readonly G[]): [G[], G[]] {
  const size = Math.min(a.length, b.length);
  if (size < 2) return [[...a], [...b]];
  const p = rng.int(1, size - 1);
  return swapSegments(a, b, [p, size]);
}

/** Two-point crossover (DEAP cxTwoPoint): draws `int(1, n)` then `int(1, n-1)`, swaps the middle segment. Returns new children. */
export function cxTwoPoint<G>(rng: RandomSource, a: readonly G[], b: readonly G[]): [G[], G[]] {
  const size = Math.min(a.length, b.length);
  if (size < 2) return [[...a], [...b]];
  let p1 = rng.int(1, size);
  let p2 = rng.int(1, size - 1);
  if (p2 >= p1) p2 += 1;
  else [p1, p2] = [p2, p1];
  return swapSegments(a, b, [p1, p2]);
}

/**
 * k-point crossover: `k` distinct cut points from 1..n-1 (a partial Fisher-Yates, one `int` draw per point),
 * sorted; every second segment is swapped, starting with the one after the first cut. Returns new children.
 * DEAP has no k-point operator; k=1 and k=2 swap the same segments as cxOnePoint and cxTwoPoint (with other draws).
 */
export function cxKPoint<G>(rng: RandomSource, a: readonly G[], b: readonly G[], k: number): [G[], G[]] {
  const size = Math.min(a.length, b.length);
  const cuts = Array.from({ length: Math.max(0, size - 1) }, (_, i) => i + 1);
  const n = Math.min(Math.max(0, Math.floor(k)), cuts.length);
  for (let i = 0; i < n; i++) {
    const j = rng.int(i, cuts.length - 1);
    const tmp = cuts[i] as number;
    cuts[i] = cuts[j] as number;
    cuts[j] = tmp;
  }
  const points = cuts.slice(0, n).sort((x, y) => x - y);
  // An odd number of cuts leaves the last swapped segment open to the end.
  if (points.length % 2 === 1) points.push(size);
  return swapSegments(a, b, points);
}

/** Copies of a and b with the segments [points[0], points[1]), [points[2], points[3]), ... exchanged. */
function swapSegments<G>(a: readonly G[], b: readonly G[], points: readonly number[]): [G[], G[]] {
  const c1 = [...a];
  const c2 = [...b];
  for (let s = 0; s + 1 < points.length; s += 2) {
    const from = points[s] as number;
    const to = points[s + 1] as number;
    for (let i = from; i < to; i++) {
      c1[i] = b[i] as G;
      c2[i] = a[i] as G;
    }
  }
  return [c1, c2];
}

// ---------------------------------------------------------------- mutation

/**
 * A different value for one gene, by its type. Categorical: another value uniformly (one `int`). Ordinal: with
 * probability 1/2 (one `next`) a neighbour (one more `next` picks the side unless at an end), else a uniform redraw
 * of another value (one `int`). Log-uniform: with probability 1/2 (one `next`) the value times exp(sigma * normal)
 * (one `normal`), rounded and clipped (so at a bound it may come back unchanged), else a log-uniform redraw (one `next`).
 * A one-value domain returns the value without drawing.
 */
export function mutGene(rng: RandomSource, spec: GeneSpec, value: GeneValue): GeneValue {
  switch (spec.kind) {
    case 'categorical':
      return redrawOther(rng, spec.values, value);
    case 'ordinal': {
      const { values } = spec;
      const at = values.indexOf(value as number);
      if (values.length < 2) return values[0] ?? value;
      if (at < 0) return pickFrom(rng, values);
      if (rng.next() < 0.5) {
        const up = at === 0 ? true : at === values.length - 1 ? false : rng.next() < 0.5;
        return values[up ? at + 1 : at - 1] as number;
      }
      return redrawOther(rng, values, value);
    }
    case 'log-uniform': {
      const clip = (x: number): number => Math.min(spec.max, Math.max(spec.min, Number(x.toPrecision(LR_DIGITS))));
      // The redraw half keeps a value clipped at a bound from being stuck there on a flat fitness landscape.
      if (typeof value !== 'number' || !(value > 0) || rng.next() >= 0.5)
        return clip(drawLogUniform(rng, spec.min, spec.max));
      return clip(Math.exp(Math.log(value) + LR_MUTATION_SIGMA * rng.normal()));
    }
  }
}

/** A uniform pick among the values other than `current` (all values when current is not one of them). */
function redrawOther<T>(rng: RandomSource, values: readonly T[], current: unknown): T {
  const at = values.indexOf(current as T);
  if (at < 0) return pickFrom(rng, values);
  if (values.length < 2) return current as T;
  let j = rng.int(0, values.length - 2);
  if (j >= at) j += 1;
  return values[j] as T;
}

/**
 * Per-gene mutation (DEAP's mutUniformInt/mutFlipBit pattern): each gene in turn is mutated with probability
 * `indpb` (one `next` each, followed by that gene's own draws). Unlike DEAP, when no gene was picked one gene,
 * `int(0, n-1)`, is mutated, so a mutated individual really changes. Returns a new list.
 */
export function mutGenes(
  rng: RandomSource,
  genes: readonly GeneValue[],
  specs: readonly GeneSpec[],
  indpb: number,
): GeneValue[] {
  const out = [...genes];
  let picked = false;
  for (let i = 0; i < out.length; i++) {
    if (rng.next() < indpb) {
      picked = true;
      out[i] = mutGene(rng, specOf(specs, i), out[i] as GeneValue);
    }
  }
  if (!picked && out.length > 0) {
    const i = rng.int(0, out.length - 1);
    out[i] = mutGene(rng, specOf(specs, i), out[i] as GeneValue);
  }
  return out;
}

function specOf(specs: readonly GeneSpec[], i: number): GeneSpec {
  const s = specs[i];
  if (s === undefined) throw new Error(`no gene spec for gene ${i}`);
  return s;
}

// ---------------------------------------------------------------- variation

/**
 * DEAP's varAnd on gene lists: pairs (0,1), (2,3), ... are mated with probability `cxpb` (one `next` per pair,
 * then the mate's draws); then each child is mutated with probability `mutpb` (one `next` each, then the mutation's
 * draws). Returns new lists; the inputs are not changed. Whether a child changed is left to the caller (compare genes).
 */
export function varAnd<G>(
  rng: RandomSource,
  offspring: readonly (readonly G[])[],
  cxpb: number,
  mutpb: number,
  mate: (rng: RandomSource, a: readonly G[], b: readonly G[]) => [G[], G[]],
  mutate: (rng: RandomSource, genes: readonly G[]) => G[],
): G[][] {
  const out = offspring.map((g) => [...g]);
  for (let i = 1; i < out.length; i += 2) {
    if (rng.next() < cxpb) {
      const [c1, c2] = mate(rng, out[i - 1] as G[], out[i] as G[]);
      out[i - 1] = c1;
      out[i] = c2;
    }
  }
  for (let i = 0; i < out.length; i++) {
    if (rng.next() < mutpb) out[i] = mutate(rng, out[i] as G[]);
  }
  return out;
}

// ---------------------------------------------------------------- hall of fame

/**
 * DEAP's HallOfFame.update as a pure function: the best `maxSize` distinct individuals ever seen, best first.
 * Candidates with fitness null are ignored (a failed individual is never best). A candidate enters when the hall
 * is not full or it beats the last entry, and no entry has the same key (by default the chromosome's); among equal
 * fitness the earlier entry stays ahead. Returns a new list; neither input is changed.
 */
export function hofUpdate<T extends Scored & { readonly chromosome: unknown }>(
  hall: readonly T[],
  candidates: readonly T[],
  maxSize: number,
  key: (t: T) => string = (t) => chromosomeKey(t.chromosome as Chromosome),
): T[] {
  const out = [...hall];
  for (const c of candidates) {
    if (c.fitness === null || !Number.isFinite(c.fitness) || maxSize <= 0) continue;
    const last = out[out.length - 1];
    if (out.length >= maxSize && last !== undefined && !(c.fitness > fit(last))) continue;
    const k = key(c);
    if (out.some((h) => key(h) === k)) continue;
    if (out.length >= maxSize) out.pop();
    let at = out.findIndex((h) => fit(h) < (c.fitness as number));
    if (at < 0) at = out.length;
    out.splice(at, 0, c);
  }
  return out;
}
