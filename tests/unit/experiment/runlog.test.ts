import { describe, expect, it } from 'vitest';
import { PAPER_BEST, type Chromosome } from '../../../src/ga/chromosome';
import { withoutTimings } from '../../../src/experiment/runlog';
import { RunLogBuilder, runLogFromEvents, type RunLogMeta } from '../../../src/experiment/runlogBuilder';
import { parseRunLog, RunLogError } from '../../../src/experiment/runlogParser';
import type { RunConfig, RunEvent } from '../../../src/experiment/types';

const config: RunConfig = {
  seed: 7,
  populationSize: 2,
  generations: 1,
  crossoverRate: 0.2,
  mutationRate: 0.1,
  maxFilters: 4,
  epochs: 1,
  batchSize: 32,
  patience: 0,
  augmentFlip: false,
  network: { denseUnits: 16, dropoutConv: 0.25, dropoutDense: 0.5 },
  perClass: 3,
};
const other: Chromosome = { ...PAPER_BEST, optimizer: 'adam', learningRate: 0.002 };
const backend = { name: 'wasm' as const, reason: 'forced', software: false };
const meta = (t0: number): RunLogMeta => {
  let t = t0;
  return {
    dataset: { name: 'small.csv', synthetic: false, count: 1400, split: 'canonical', train: 21, val: 21, test: 21 },
    now: () => new Date((t += 1000)),
  };
};
const ind = (
  phase: number,
  index: number,
  chromosome: Chromosome,
  fitness: number | null,
  seconds: number,
): RunEvent => ({
  // `memory` (machine-dependent, added by newer workers) must not reach the log.
  type: 'evaluated',
  ...({ memory: { numTensors: seconds, numBytes: 4 * seconds } } as object),
  phase,
  index,
  chromosome,
  fitness,
  status: fitness === null ? 'failed' : 'trained',
  ...(fitness === null ? { reason: 'oom' } : {}),
  seconds,
  params: 123,
});
const confusion = Array.from({ length: 7 }, (_, r) =>
  Array.from({ length: 7 }, (_, c) => (r === c ? 2 : r === 1 ? 0 : 1)),
);

function events(seconds: number): RunEvent[] {
  return [
    { type: 'run-started', config, phases: 2, backend },
    { type: 'candidate-started', phase: 0, index: 0, chromosome: PAPER_BEST, params: 123 },
    ind(0, 0, PAPER_BEST, 0.4, seconds),
    ind(0, 1, other, null, seconds),
    { type: 'phase-done', phase: 0, best: 0.4, mean: 0.4, min: 0.4, fitnesses: [0.4, null], seconds: 2 * seconds },
    ind(1, 0, PAPER_BEST, 0.4, 0),
    ind(1, 1, other, 0.3, seconds),
    { type: 'phase-done', phase: 1, best: 0.4, mean: 0.35, min: 0.3, fitnesses: [0.4, 0.3], seconds },
    {
      type: 'test-result',
      chromosome: PAPER_BEST,
      evaluation: {
        accuracy: 0.5,
        loss: 1.2,
        count: 21,
        confusion,
        perClassAccuracy: [0.5, NaN, 0.4, 0.5, 0.5, 0.5, 0.5],
      },
    },
    {
      type: 'run-done',
      outcome: 'done',
      best: { phase: 0, index: 0, chromosome: PAPER_BEST, fitness: 0.4, status: 'trained', seconds, params: 123 },
    },
  ];
}

describe('run log', () => {
  it('folds the event stream into phases, individuals and the tested best', () => {
    const log = runLogFromEvents(events(3), meta(0));
    expect(log.format).toBe('evolab-run-log');
    expect(log.seed).toBe(7);
    expect(log.backend).toEqual({ name: 'wasm', reason: 'forced' });
    expect(log.phases).toHaveLength(2);
    expect(log.phases[0]?.individuals.map((i) => [i.fitness, i.status])).toEqual([
      [0.4, 'trained'],
      [null, 'failed'],
    ]);
    expect(log.phases[1]).toMatchObject({ best: 0.4, mean: 0.35, seconds: 3, done: true });
    expect(log.best).toMatchObject({
      chromosome: PAPER_BEST,
      valAccuracy: 0.4,
      phase: 0,
      index: 0,
      testAccuracy: 0.5,
      testCount: 21,
    });
    // NaN (no test images of a class) has no JSON form: null.
    expect(log.best?.perClassAccuracy?.[1]).toBeNull();
    expect(log.outcome).toBe('done');
    expect(log.seconds).toBe(9);
    expect(Date.parse(log.finishedAt ?? '')).toBeGreaterThan(Date.parse(log.createdAt));
    expect(parseRunLog(JSON.stringify(log))).toEqual(log);
  });

  it('differs between runs only in timing fields', () => {
    const a = runLogFromEvents(events(3), meta(0));
    const b = runLogFromEvents(events(5), meta(99_000));
    expect(a).not.toEqual(b);
    expect(withoutTimings(a)).toEqual(withoutTimings(b));
  });

  it('continues a saved log after a resume to the same result', () => {
    const all = events(3);
    const first = new RunLogBuilder(meta(0));
    all.slice(0, 4).forEach((e) => first.add(e));
    const saved = JSON.parse(JSON.stringify(first.toJSON())) as unknown;
    const second = RunLogBuilder.from(parseRunLog(saved));
    // A resumed run announces itself again, then continues where it stopped.
    [all[0] as RunEvent, ...all.slice(4)].forEach((e) => second.add(e));
    expect(withoutTimings(second.toJSON())).toEqual(withoutTimings(runLogFromEvents(all, meta(0))));
  });

  it('reports a stopped run without a test score', () => {
    const all = events(1);
    const log = runLogFromEvents([...all.slice(0, 3), { type: 'run-done', outcome: 'stopped', best: null }], meta(0));
    expect(log.outcome).toBe('stopped');
    expect(log.best).toBeNull();
    const withBest = runLogFromEvents(
      [...all.slice(0, 3), { ...(all[9] as RunEvent & { type: 'run-done' }), outcome: 'stopped' }],
      meta(0),
    );
    expect(withBest.best).toMatchObject({ valAccuracy: 0.4, testAccuracy: null, confusion: null });
    expect(parseRunLog(withBest)).toEqual(withBest);
  });

  it('rejects malformed files with a message naming the field', () => {
    const good = runLogFromEvents(events(3), meta(0));
    // Deliberately untyped: each case writes a wrong value into some nested field.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    type Loose = any;
    const bad = (mutate: (x: Loose) => void): string => {
      const copy = JSON.parse(JSON.stringify(good)) as Loose;
      mutate(copy);
      try {
        parseRunLog(copy);
      } catch (e) {
        expect(e).toBeInstanceOf(RunLogError);
        return (e as Error).message;
      }
      throw new Error('accepted a bad run log');
    };
    expect(() => parseRunLog('{oops')).toThrow(/^run log: not JSON/);
    expect(bad((x) => (x.format = 'other'))).toMatch(/^run log: format must be "evolab-run-log"/);
    expect(bad((x) => (x.version = 2))).toMatch(/version 2 is not supported/);
    expect(bad((x) => (x.phases[1].individuals[0].fitness = 'high'))).toBe(
      'run log: phases[1].individuals[0].fitness must be a number or null',
    );
    expect(bad((x) => (x.phases[0].individuals[1].status = 'great'))).toMatch(
      /phases\[0\]\.individuals\[1\]\.status must be one of/,
    );
    expect(bad((x) => (x.phases[0].individuals[0].chromosome.conv[2].kernel = 11))).toMatch(
      /chromosome.*conv\[2\]\.kernel/,
    );
    expect(bad((x) => (x.best.confusion[3] = [1, 2]))).toBe('run log: best.confusion[3] must have 7 entries');
    expect(bad((x) => delete x.config.network)).toBe('run log: config.network must be an object');
    expect(bad((x) => (x.outcome = 'maybe'))).toMatch(/outcome must be running, done or stopped/);
  });
});
