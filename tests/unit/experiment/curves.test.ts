/** The cost curve of a run log: best validation accuracy so far against cumulative training seconds. */
import { describe, expect, it } from 'vitest';
import { PAPER_BEST } from '../../../src/ga';
import { bestVsSeconds, secondsToReach } from '../../../src/experiment/curves';
import type { RunLog } from '../../../src/experiment/runlog';
import type { IndividualRecord } from '../../../src/experiment/types';
import { DEFAULT_RUN_CONFIG } from '../../../src/settings';

const ind = (phase: number, index: number, over: Partial<IndividualRecord>): IndividualRecord => ({
  phase,
  index,
  chromosome: PAPER_BEST,
  fitness: null,
  status: 'trained',
  seconds: 0,
  params: 1,
  ...over,
});

const log = (phases: RunLog['phases']): RunLog => ({
  format: 'evolab-run-log',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  seconds: 0,
  seed: 1,
  config: DEFAULT_RUN_CONFIG,
  dataset: { name: 'x', synthetic: true, count: 1, split: 'canonical', train: 1, val: 1, test: 1 },
  backend: { name: 'wasm', reason: '' },
  phasesPlanned: phases.length,
  phases,
  best: null,
  outcome: 'done',
});

describe('bestVsSeconds', () => {
  it('follows the order the trainings ran: each rung of a phase after the one below, partial results never counted as best', () => {
    const halving = {
      phase: 0,
      rungEpochs: [1, 3],
      best: 0.6,
      mean: null,
      min: null,
      seconds: 9,
      done: true,
      individuals: [
        // A: stopped at the first rung with a high short-training score, which must not count as the best.
        ind(0, 0, {
          fitness: 0.9,
          partial: true,
          rung: 0,
          rungs: [{ epochs: 1, fitness: 0.9, seconds: 2 }],
          seconds: 2,
          epochsTrained: 1,
        }),
        ind(0, 1, {
          fitness: 0.6,
          rung: 1,
          rungs: [
            { epochs: 1, fitness: 0.5, seconds: 2 },
            { epochs: 3, fitness: 0.6, seconds: 4 },
          ],
          seconds: 6,
          epochsTrained: 3,
        }),
        ind(0, 2, { status: 'failed', rung: 0, rungs: [{ epochs: 1, fitness: null, seconds: 1 }], seconds: 1 }),
        ind(0, 3, { status: 'over-budget', reason: 'too big' }),
      ],
    };
    const full = {
      phase: 1,
      best: 0.7,
      mean: null,
      min: null,
      seconds: 5,
      done: true,
      individuals: [ind(1, 0, { status: 'cached', fitness: 0.6 }), ind(1, 1, { fitness: 0.7, seconds: 5 })],
    };
    const curve = bestVsSeconds(log([halving, full]));
    expect(curve.map((p) => [p.seconds, p.best, p.trainings])).toEqual([
      [0, null, 0],
      [2, null, 1],
      [4, null, 2],
      [5, null, 3],
      [5, null, 3],
      [9, 0.6, 4],
      [9, 0.6, 4],
      [14, 0.7, 5],
    ]);
    expect(secondsToReach(curve, 0.6)).toBe(9);
    expect(secondsToReach(curve, 0.65)).toBe(14);
    expect(secondsToReach(curve, 0.61, 0.01)).toBe(9);
    expect(secondsToReach(curve, 0.8)).toBeNull();
  });
});
