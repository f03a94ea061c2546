/**
 * A run's cost curve from its run log: the best validation accuracy so far against the training seconds spent so far,
 * in the order the trainings ran (with successive halving, each rung of a phase after the rung below). It lets runs of
 * different strategies and fidelities be compared on what they spent, not only per phase. Pure: no tfjs, no DOM.
 */
import type { RunLog } from './runlog';
import type { IndividualRecord } from './types';

/** One step of the curve: after `seconds` of training in all, the best validation accuracy (of a complete training) was `best`. */
export interface CostPoint {
  readonly seconds: number;
  /** Null until a training of the full epochs has succeeded. */
  readonly best: number | null;
  /** Trainings (fitness calls, each rung counted) so far. */
  readonly trainings: number;
}

/** May be the run's best: successful and trained the full epochs (not stopped at a lower rung). */
const complete = (r: IndividualRecord): boolean =>
  r.fitness !== null && r.partial !== true && (r.status === 'trained' || r.status === 'cached');

/** True when the record's last evaluation called the trainer (not a cache hit, a carried result or a cost over budget). */
const trainedLast = (r: IndividualRecord): boolean =>
  r.status !== 'cached' && (r.status !== 'over-budget' || r.seconds > 0);

/**
 * The run's best-so-far curve against cumulative training seconds: one point at 0, then one after every training or
 * cache hit, in the order they happened. The last point's seconds are the run's training seconds.
 */
export function bestVsSeconds(log: RunLog): CostPoint[] {
  const points: CostPoint[] = [{ seconds: 0, best: null, trainings: 0 }];
  let seconds = 0;
  let best: number | null = null;
  let trainings = 0;
  const step = (spent: number, trained: boolean, result: number | null): void => {
    seconds += spent;
    if (trained) trainings += 1;
    if (result !== null && (best === null || result > best)) best = result;
    points.push({ seconds, best, trainings });
  };
  for (const phase of log.phases) {
    const individuals = phase.individuals.filter((r): r is IndividualRecord => r !== undefined && r !== null);
    const rungCount = phase.rungEpochs?.length ?? 1;
    for (let rung = 0; rung < rungCount; rung++) {
      for (const r of individuals) {
        const rungs = r.rungs;
        if (rungs === undefined) {
          // Full fidelity, or not part of the rungs (carried over, cached whole, over budget): one step at rung 0.
          if (rung === 0) step(r.seconds, trainedLast(r), complete(r) ? r.fitness : null);
          continue;
        }
        const here = rungs[rung];
        if (here === undefined) continue;
        // An earlier rung of a record shows only its seconds: a cache hit there took none.
        const last = rung === rungs.length - 1;
        step(here.seconds, last ? trainedLast(r) : here.seconds > 0, last && complete(r) ? r.fitness : null);
      }
    }
  }
  return points;
}

/** The first cumulative seconds at which the curve's best reached `target` (within `tolerance`), or null if it never did. */
export function secondsToReach(curve: readonly CostPoint[], target: number, tolerance = 0): number | null {
  const hit = curve.find((p) => p.best !== null && p.best >= target - tolerance);
  return hit === undefined ? null : hit.seconds;
}
