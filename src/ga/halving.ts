/**
 * Successive halving inside a phase (README.md, "Successive halving"): the rung schedule, how many candidates go on
 * to the next rung, in which order they are ranked, and which ones can no longer be promoted. Pure functions.
 */

/** The default halving factor: the best third of a rung goes on to the next one. */
export const DEFAULT_ETA = 3;

/**
 * The epochs each rung of a phase trains to, lowest first: ceil(epochs / eta^k) for k = K..0, where K is the largest
 * k with eta^k <= candidates (Hyperband's bracket: with fewer candidates than eta there is nothing to halve). Rungs
 * that would train to the same number of epochs as the rung below are left out, so every rung trains further.
 */
export function rungSchedule(epochs: number, eta: number, candidates: number): number[] {
  let top = 0;
  while (eta ** (top + 1) <= candidates) top++;
  const rungs: number[] = [];
  for (let k = top; k >= 0; k--) {
    const e = Math.ceil(epochs / eta ** k);
    const last = rungs[rungs.length - 1];
    if (last === undefined || e > last) rungs.push(e);
  }
  return rungs;
}

/** How many of a rung's contestants go on to the next rung: the best 1/eta of them, at least one (none of none). */
export function promotionCount(contestants: number, eta: number): number {
  return contestants <= 0 ? 0 : Math.max(1, Math.floor(contestants / eta));
}

/** A contestant of a rung: its index in the population and its validation accuracy at that rung. */
export interface Contestant {
  readonly index: number;
  readonly fitness: number;
}

/** The promotion order: higher fitness first, and on a tie the lower index (the earlier candidate). */
export function promotionOrder(a: Contestant, b: Contestant): number {
  return b.fitness - a.fitness || a.index - b.index;
}

/** The indices promoted from a rung's contestants, in index order (the next rung's evaluation order). */
export function promoted(contestants: readonly Contestant[], eta: number): number[] {
  const n = promotionCount(contestants.length, eta);
  return [...contestants]
    .sort(promotionOrder)
    .slice(0, n)
    .map((c) => c.index)
    .sort((a, b) => a - b);
}

/**
 * The evaluated contestants that can no longer be promoted while `open` more candidates of the rung still await their
 * result: at least as many evaluated contestants rank above them as the rung can promote at most.
 */
export function outOfContention(evaluated: readonly Contestant[], open: number, eta: number): number[] {
  const most = promotionCount(evaluated.length + open, eta);
  return [...evaluated]
    .sort(promotionOrder)
    .slice(most)
    .map((c) => c.index);
}
