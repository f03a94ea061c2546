/**
 * The engine's onPlan with full fidelity, as the queue coordinator relies on it (tests/unit/ga/search.test.ts covers
 * passes, rungs, cache hits and over-budget individuals): it changes nothing in the run, a resume announces exactly the
 * rest, and a repeated chromosome is planned once.
 */
import { describe, expect, it } from 'vitest';
import { chromosomeKey, GaEngine, PAPER_GA_DEFAULTS } from '../../../src/ga';
import type {
  Chromosome,
  EngineEvent,
  EngineState,
  EvaluationPlan,
  FitnessFn,
  GaConfig,
  RunOptions,
} from '../../../src/ga';

const config = (over: Partial<GaConfig> = {}): GaConfig => ({
  ...PAPER_GA_DEFAULTS,
  trainingKey: 'toy',
  crossoverRate: 0.6,
  mutationRate: 0.5,
  ...over,
});

/** A deterministic toy fitness: the mean kernel size over 9, from a fake clock so timings repeat. */
const score = (c: Chromosome): number => c.conv.reduce((a, l) => a + l.kernel, 0) / (9 * c.conv.length);

interface Recorded {
  readonly plans: EvaluationPlan[];
  readonly calls: { phase: number; index: number; key: string }[];
  readonly events: EngineEvent[];
  readonly states: EngineState[];
  /** Plans and evaluations in the order they happened: "plan 1", "eval 1:3". */
  readonly order: string[];
  readonly outcome: 'done' | 'stopped';
}

async function record(engine: GaEngine, opts: Partial<RunOptions> & { fitness?: FitnessFn } = {}): Promise<Recorded> {
  const plans: EvaluationPlan[] = [];
  const calls: Recorded['calls'] = [];
  const events: EngineEvent[] = [];
  const states: EngineState[] = [];
  const order: string[] = [];
  let clock = 0;
  const fitness: FitnessFn = opts.fitness ?? (async (c) => ({ fitness: score(c) }));
  const outcome = await engine.run({
    ...opts,
    now: () => clock,
    fitness: async (c, ctx) => {
      calls.push({ phase: ctx.phase, index: ctx.index, key: chromosomeKey(c) });
      clock += 1000;
      return fitness(c, ctx);
    },
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'evaluated') order.push(`eval ${e.phase}:${e.index}`);
    },
    onCheckpoint: (s) => {
      states.push(JSON.parse(JSON.stringify(s)) as EngineState);
    },
    onPlan: (p) => {
      plans.push(JSON.parse(JSON.stringify(p)) as EvaluationPlan);
      order.push(`plan ${p.phase}`);
    },
  });
  return { plans, calls, events, states, order, outcome };
}

const planned = (plans: readonly EvaluationPlan[]): { phase: number; index: number; key: string }[] =>
  plans.flatMap((p) => p.calls.map((c) => ({ phase: p.phase, index: c.index, key: chromosomeKey(c.chromosome) })));

describe('onPlan', () => {
  it('changes nothing in the run: the same events and states as a run without it', async () => {
    const withPlan = await record(GaEngine.create(config({ seed: 9 })));
    const engine = GaEngine.create(config({ seed: 9 }));
    const events: EngineEvent[] = [];
    let clock = 0;
    await engine.run({
      now: () => clock,
      fitness: async (c) => {
        clock += 1000;
        return { fitness: score(c) };
      },
      onEvent: (e) => events.push(e),
    });
    expect(withPlan.events).toEqual(events);
    expect(withPlan.states.at(-1)).toEqual(engine.snapshot());
  });

  it('after a resume from any checkpoint, announces the rest of the phase and then the later phases', async () => {
    const full = await record(GaEngine.create(config({ seed: 5, generations: 2 })));
    const all = planned(full.plans);
    for (const state of full.states.filter((s) => !s.finished)) {
      const r = await record(GaEngine.restore(state));
      expect(r.calls).toEqual(planned(r.plans));
      // Together with the calls before the checkpoint, the resumed calls are the uninterrupted run's.
      expect(r.calls).toEqual(all.slice(all.length - r.calls.length));
      // A checkpoint at the end of a phase (before its summary) has nothing left to announce in it.
      const next = state.cursor < state.population.length ? state.phase : state.phase + 1;
      expect(r.plans[0]?.phase).toBe(next <= 2 ? next : undefined);
    }
  });

  it('leaves out repeats within a phase: a repeat is a cache hit after a success, and called (unplanned) after a failure', async () => {
    const first = await record(GaEngine.create(config({ seed: 11, generations: 0 })), { shouldStop: () => true });
    const start = first.states[0] as EngineState;
    const population = start.population.map((ind, i) =>
      i === 4 ? { ...ind, chromosome: start.population[1]?.chromosome as Chromosome } : ind,
    );
    const twin = { ...start, population };
    const twinKey = chromosomeKey(population[1]?.chromosome as Chromosome);

    const ok = await record(GaEngine.restore(twin));
    expect(ok.plans[0]?.calls.map((c) => c.index)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(ok.calls.map((c) => c.index)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(ok.events.find((e) => e.type === 'evaluated' && e.index === 4)).toMatchObject({ status: 'cached' });

    const failing: FitnessFn = async (c) =>
      chromosomeKey(c) === twinKey ? { status: 'failed', reason: 'no' } : { fitness: score(c) };
    const bad = await record(GaEngine.restore(twin), { fitness: failing });
    expect(bad.plans[0]?.calls.map((c) => c.index)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    expect(bad.calls.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
