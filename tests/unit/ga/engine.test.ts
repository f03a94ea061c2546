import { describe, expect, it } from 'vitest';
import {
  GaEngine,
  PAPER_BEST,
  PAPER_GA_DEFAULTS,
  chromosomeKey,
  toGenes,
  validateChromosome,
  validateGaConfig,
} from '../../../src/ga';
import type { Chromosome, CostFn, EngineEvent, EngineState, FitnessFn, GaConfig, RunOptions } from '../../../src/ga';

const TARGET = toGenes(PAPER_BEST);

/** OneMax over the chromosome: the fraction of the 20 genes equal to PAPER_BEST's (learning rate: within 10%). */
function oneMax(c: Chromosome): number {
  const genes = toGenes(c);
  let same = 0;
  genes.forEach((g, i) => {
    const t = TARGET[i];
    if (i === genes.length - 1 ? Math.abs((g as number) / (t as number) - 1) <= 0.1 : g === t) same += 1;
  });
  return same / genes.length;
}

/** A deterministic fitness that also drives a fake clock, so `seconds` is reproducible across resumes. */
function clockedFitness(score: (c: Chromosome) => number = oneMax): {
  fitness: FitnessFn;
  now: () => number;
  calls: Chromosome[];
} {
  let clock = 0;
  const calls: Chromosome[] = [];
  return {
    calls,
    now: () => clock,
    fitness: async (c) => {
      calls.push(c);
      clock += 1000 + (c.conv[0]?.kernel ?? 0) * 250;
      return { fitness: score(c), note: 'toy' };
    },
  };
}

const config = (over: Partial<GaConfig> = {}): GaConfig => ({ ...PAPER_GA_DEFAULTS, trainingKey: 'toy', ...over });

async function runAll(
  cfg: GaConfig,
  extra: Partial<RunOptions> = {},
): Promise<{ engine: GaEngine; events: EngineEvent[]; calls: Chromosome[]; states: EngineState[] }> {
  const engine = GaEngine.create(cfg);
  const events: EngineEvent[] = [];
  const states: EngineState[] = [];
  const f = clockedFitness();
  const outcome = await engine.run({
    fitness: f.fitness,
    now: f.now,
    onEvent: (e) => events.push(e),
    onCheckpoint: (s) => {
      states.push(JSON.parse(JSON.stringify(s)) as EngineState);
    },
    ...extra,
  });
  expect(outcome).toBe('done');
  return { engine, events, calls: f.calls, states };
}

describe('paper defaults', () => {
  it('are NPop 10, NGen 3 (4 phases), cxpb 0.2, mutpb 0.1, elitism 1', () => {
    expect(PAPER_GA_DEFAULTS).toMatchObject({
      populationSize: 10,
      generations: 3,
      crossoverRate: 0.2,
      mutationRate: 0.1,
      elitism: 1,
      maxFilters: 1024,
    });
    expect(validateGaConfig(PAPER_GA_DEFAULTS)).toEqual([]);
  });

  it('run 4 phases of 10 individuals, each reported, with phase statistics', async () => {
    const { engine, events, calls } = await runAll(config());
    const evaluated = events.filter((e) => e.type === 'evaluated');
    expect(evaluated).toHaveLength(40);
    const phases = events.filter((e) => e.type === 'phase-done');
    expect(phases.map((p) => p.phase)).toEqual([0, 1, 2, 3]);
    for (const p of phases) {
      const fits = p.fitnesses.filter((x): x is number => x !== null);
      expect(p.best).toBe(Math.max(...fits));
      expect(p.min).toBe(Math.min(...fits));
      expect(p.mean).toBeCloseTo(fits.reduce((a, b) => a + b, 0) / fits.length, 12);
    }
    // Elitism: the best never gets worse from one phase to the next.
    for (let i = 1; i < phases.length; i++) expect((phases[i]?.best ?? 0) >= (phases[i - 1]?.best ?? 0)).toBe(true);
    // Only changed individuals are trained: 10 initial + far fewer than 30 later ones with cxpb 0.2, mutpb 0.1.
    expect(calls.length).toBeLessThan(30);
    expect(evaluated.filter((e) => e.status === 'trained')).toHaveLength(calls.length);
    const done = events.at(-1);
    expect(done?.type).toBe('run-done');
    if (done?.type === 'run-done') {
      expect(done.best).toEqual(engine.best());
      expect(done.hallOfFame.length).toBeLessThanOrEqual(5);
      expect(done.best?.fitness).toBe(phases.at(-1)?.best);
      expect(done.best?.details).toEqual({ note: 'toy' });
    }
    expect(engine.done).toBe(true);
    for (const e of evaluated) expect(validateChromosome(e.chromosome)).toEqual([]);
  });

  it('rejects a bad config with every error', () => {
    const bad = {
      ...PAPER_GA_DEFAULTS,
      populationSize: 0,
      crossoverRate: 2,
      maxFilters: 12,
      crossover: 'k-point',
      crossoverPoints: 40,
    } as const;
    expect(validateGaConfig(bad)).toEqual([
      'populationSize must be an integer from 1, got 0',
      'crossoverRate must be a number from 0 to 1, got 2',
      'crossoverPoints must be an integer from 1 to 19, got 40',
      'elitism must be an integer from 0 to 0, got 1',
      'maxFilters must be a power of two from 2 to 1024, got 12',
    ]);
    expect(() => GaEngine.create(bad)).toThrow(/invalid GA config: populationSize/);
  });
});

describe('OneMax convergence', () => {
  // Measured: two-point reaches fitness 1 by phase 24..64 over seeds 1..20 (max 62 for seeds 1..10);
  // one-point 25..75, k-point(3) 14..101. The bound below leaves a margin.
  const toy = (seed: number, crossover: GaConfig['crossover']): GaConfig =>
    config({
      seed,
      crossover,
      populationSize: 50,
      generations: 120,
      crossoverRate: 0.7,
      mutationRate: 0.5,
      tournamentSize: 4,
      elitism: 2,
    });

  async function phaseOfOptimum(cfg: GaConfig): Promise<number> {
    let found = -1;
    const engine = GaEngine.create(cfg);
    await engine.run({
      fitness: async (c) => ({ fitness: oneMax(c) }),
      onEvent: (e) => {
        if (e.type === 'phase-done' && e.best === 1 && found < 0) found = e.phase;
      },
      shouldStop: () => found >= 0,
    });
    if (found >= 0) expect(engine.best()?.fitness).toBe(1);
    return found;
  }

  it('two-point crossover finds the optimum within 80 generations for seeds 1..10', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const phase = await phaseOfOptimum(toy(seed, 'two-point'));
      expect(phase, `seed ${seed}`).toBeGreaterThan(0);
      expect(phase, `seed ${seed}`).toBeLessThanOrEqual(80);
    }
  });

  it('one-point and k-point crossover find it within 120 generations (seeds 1..3)', async () => {
    for (const kind of ['one-point', 'k-point'] as const) {
      for (let seed = 1; seed <= 3; seed++) {
        const phase = await phaseOfOptimum(toy(seed, kind));
        expect(phase, `${kind} seed ${seed}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('determinism and resume', () => {
  const cfg = config({
    seed: 11,
    populationSize: 8,
    generations: 5,
    crossoverRate: 0.6,
    mutationRate: 0.4,
    crossover: 'k-point',
    crossoverPoints: 3,
    selection: 'roulette',
  });

  it('same seed, same event log; another seed, another log', async () => {
    const a = await runAll(cfg);
    const b = await runAll(cfg);
    expect(b.events).toEqual(a.events);
    expect(JSON.stringify(b.events)).toBe(JSON.stringify(a.events));
    const c = await runAll({ ...cfg, seed: 12 });
    expect(c.events).not.toEqual(a.events);
  });

  it('a run restored from the JSON of any checkpoint ends in the same state and emits the rest of the same events', async () => {
    const full = await runAll(cfg);
    const finalState = full.engine.snapshot();
    const fullEvents = full.events.filter((e) => e.type !== 'run-started');
    // Checkpoints come after each individual and phase change: 1 after init + 6 phases x 8 + 5 breedings + 1 at the end.
    expect(full.states.length).toBe(1 + 6 * 8 + 5 + 1);
    let eventsSoFar = 0;
    for (const [i, saved] of full.states.entries()) {
      // Events already emitted when checkpoint i was taken: the evaluated/phase-done/run-done before it.
      const restored = GaEngine.restore(JSON.parse(JSON.stringify(saved)) as EngineState);
      const events: EngineEvent[] = [];
      const f = clockedFitness();
      const outcome = await restored.run({ fitness: f.fitness, now: f.now, onEvent: (e) => events.push(e) });
      expect(outcome).toBe('done');
      expect(restored.snapshot(), `checkpoint ${i}`).toEqual(finalState);
      const rest = events.filter((e) => e.type !== 'run-started');
      if (rest.length > 0) expect(events[0]).toMatchObject({ type: 'run-started', resumed: true });
      eventsSoFar = fullEvents.length - rest.length;
      expect(rest, `checkpoint ${i}`).toEqual(fullEvents.slice(eventsSoFar));
    }
    expect(eventsSoFar).toBe(fullEvents.length);
  });

  it('stops cleanly between evaluations and continues to the same result', async () => {
    const full = await runAll(cfg);
    const engine = GaEngine.create(cfg);
    const events: EngineEvent[] = [];
    let evaluated = 0;
    const f = clockedFitness();
    const opts: RunOptions = {
      fitness: f.fitness,
      now: f.now,
      onEvent: (e) => events.push(e),
      shouldStop: () => evaluated >= 13,
    };
    const counted: RunOptions = {
      ...opts,
      onEvent: (e) => {
        if (e.type === 'evaluated') evaluated += 1;
        events.push(e);
      },
    };
    expect(await engine.run(counted)).toBe('stopped');
    expect(events.at(-1)).toEqual({ type: 'run-stopped', phase: 1, index: 5 });
    expect(engine.done).toBe(false);
    const resumed = GaEngine.restore(JSON.parse(JSON.stringify(engine.snapshot())) as EngineState);
    expect(await resumed.run({ ...opts, shouldStop: () => false })).toBe('done');
    expect(resumed.snapshot()).toEqual(full.engine.snapshot());
    const strip = (es: EngineEvent[]): EngineEvent[] =>
      es.filter((e) => e.type !== 'run-started' && e.type !== 'run-stopped');
    expect(strip(events)).toEqual(strip(full.events));
  });

  it('an evaluation interrupted by the stop signal is dropped and redone on resume', async () => {
    const full = await runAll(cfg);
    const signal = { aborted: false };
    let n = 0;
    const f = clockedFitness();
    const engine = GaEngine.create(cfg);
    const outcome = await engine.run({
      now: f.now,
      signal,
      fitness: async (c, ctx) => {
        n += 1;
        expect(ctx.signal).toBe(signal);
        if (n === 4) {
          signal.aborted = true;
          throw new Error('training cancelled');
        }
        return f.fitness(c, ctx);
      },
    });
    expect(outcome).toBe('stopped');
    const state = engine.snapshot();
    expect(state.cursor).toBe(3);
    expect(state.population[3]?.status).toBe('pending');
    expect(state.fitnessCalls).toBe(3);
    const resumed = GaEngine.restore(state);
    expect(await resumed.run({ fitness: f.fitness, now: f.now })).toBe('done');
    expect(resumed.snapshot()).toEqual(full.engine.snapshot());
  });

  it('restore rejects what is not a state, and run() twice at once is refused', async () => {
    expect(() => GaEngine.restore({} as EngineState)).toThrow(/not a GA engine state/);
    const engine = GaEngine.create(cfg);
    const slow: FitnessFn = async () => ({ fitness: 0.5 });
    const first = engine.run({ fitness: slow });
    await expect(engine.run({ fitness: slow })).rejects.toThrow(/already running/);
    await first;
    expect(await engine.run({ fitness: slow })).toBe('done');
  });
});

describe('failures, skips, cache and budget', () => {
  it('restores a state saved before "skipped" was a status: a legacy skip (failed, "skipped by user") becomes skipped', async () => {
    const engine = GaEngine.create(config({ seed: 3, populationSize: 4, generations: 1 }));
    let n = 0;
    await engine.run({
      fitness: async (c) => (n++ === 1 ? { status: 'failed', reason: 'out of memory' } : { fitness: oneMax(c) }),
      shouldStop: () => n >= 3,
    });
    const saved = engine.snapshot();
    expect(saved.population.map((i) => i.status)).toEqual(['trained', 'failed', 'trained', 'pending']);
    const legacy: EngineState = {
      ...saved,
      population: saved.population.map((i, k) =>
        k === 2 ? { ...i, status: 'failed', fitness: null, reason: 'skipped by user' } : i,
      ),
    };
    const restored = GaEngine.restore(JSON.parse(JSON.stringify(legacy)) as EngineState).snapshot();
    expect(restored.population.map((i) => i.status)).toEqual(['trained', 'failed', 'skipped', 'pending']);
    expect(restored.population[2]).not.toHaveProperty('reason');
    expect(restored.population[1]?.reason).toBe('out of memory');
  });

  it('an evaluation that throws or reports failure is recorded as failed and never best; the run finishes', async () => {
    const bad = (c: Chromosome): boolean => (c.conv[0]?.kernel ?? 0) <= 4;
    const events: EngineEvent[] = [];
    const engine = GaEngine.create(
      config({ seed: 3, populationSize: 10, generations: 4, crossoverRate: 0.5, mutationRate: 0.5 }),
    );
    const outcome = await engine.run({
      fitness: async (c) => {
        // Failing chromosomes would score highest, so a leak into "best" would show.
        if (bad(c)) {
          if ((c.conv[1]?.kernel ?? 0) % 2 === 0) throw new Error('out of memory');
          return { status: 'failed', reason: 'diverged (NaN loss)' };
        }
        return { fitness: oneMax(c) / 2 };
      },
      onEvent: (e) => events.push(e),
    });
    expect(outcome).toBe('done');
    const evaluated = events.flatMap((e) => (e.type === 'evaluated' ? [e] : []));
    const failed = evaluated.filter((e) => e.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const e of failed) {
      expect(bad(e.chromosome)).toBe(true);
      expect(e.fitness).toBeNull();
      expect(['out of memory', 'diverged (NaN loss)']).toContain(e.reason);
    }
    expect(new Set(failed.map((e) => e.reason)).size).toBe(2);
    const best = engine.best();
    expect(best).toBeDefined();
    expect(best && bad(best.chromosome)).toBe(false);
    for (const h of engine.hall()) expect(h.status === 'trained' || h.status === 'cached').toBe(true);
    for (const e of events) {
      if (e.type === 'phase-done' && e.bestIndividual) expect(bad(e.bestIndividual.chromosome)).toBe(false);
    }
  });

  it('a run where every evaluation fails still finishes, with no best', async () => {
    const engine = GaEngine.create(config({ generations: 1 }));
    const events: EngineEvent[] = [];
    expect(
      await engine.run({
        fitness: async () => {
          throw new Error('no backend');
        },
        onEvent: (e) => events.push(e),
      }),
    ).toBe('done');
    expect(engine.best()).toBeUndefined();
    expect(events.find((e) => e.type === 'phase-done')).toMatchObject({
      best: null,
      mean: null,
      min: null,
      bestIndividual: null,
    });
    expect(events.at(-1)).toMatchObject({ type: 'run-done', best: null, hallOfFame: [] });
  });

  it('"skipped" is its own status (no fitness, no reason) and is not cached', async () => {
    const skipped = new Set<string>();
    const seen = new Map<string, number>();
    const engine = GaEngine.create(
      config({ seed: 5, populationSize: 6, generations: 6, crossoverRate: 0.8, mutationRate: 0.8, maxFilters: 2 }),
    );
    const events: EngineEvent[] = [];
    await engine.run({
      fitness: async (c) => {
        const key = chromosomeKey(c);
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (seen.size % 3 === 0 && !skipped.has(key) && (seen.get(key) ?? 0) === 1) {
          skipped.add(key);
          return { status: 'skipped' };
        }
        return { fitness: oneMax(c) };
      },
      onEvent: (e) => events.push(e),
    });
    const skips = events.flatMap((e) => (e.type === 'evaluated' && e.status === 'skipped' ? [e] : []));
    expect(skips.length).toBeGreaterThan(0);
    for (const s of skips) {
      expect(s.fitness).toBeNull();
      expect(s).not.toHaveProperty('reason');
    }
    expect(events.some((e) => e.type === 'evaluated' && e.status === 'failed')).toBe(false);
    const counted = events
      .flatMap((e) => (e.type === 'phase-done' ? [e.counts.skipped] : []))
      .reduce((a, b) => a + b, 0);
    expect(counted).toBe(skips.length);
    const state = engine.snapshot();
    for (const key of skipped) {
      const entry = state.cache.find(([k]) => k === `toy|${key}`);
      // Cached only if the same chromosome was offered again later and trained then.
      if (entry) expect(seen.get(key)).toBeGreaterThan(1);
    }
  });

  it('the cache: fitness calls equal the distinct chromosomes evaluated, repeats show as cached', async () => {
    // maxFilters 2 and high rates make repeats likely.
    const { events, calls, engine } = await runAll(
      config({ seed: 9, populationSize: 10, generations: 12, crossoverRate: 0.9, mutationRate: 0.3, maxFilters: 2 }),
    );
    const keys = calls.map(chromosomeKey);
    expect(new Set(keys).size).toBe(keys.length);
    const evaluated = events.flatMap((e) => (e.type === 'evaluated' ? [e] : []));
    const distinct = new Set(evaluated.map((e) => chromosomeKey(e.chromosome)));
    expect(calls.length).toBe(distinct.size);
    expect(engine.snapshot().fitnessCalls).toBe(calls.length);
    const cached = evaluated.filter((e) => e.status === 'cached');
    expect(cached.length).toBeGreaterThan(0);
    for (const e of cached) {
      expect(e.seconds).toBe(0);
      expect(e.fitness).toBe(oneMax(e.chromosome));
    }
  });

  it('the cache is keyed by the training settings too', async () => {
    const first = await runAll(config({ seed: 2, generations: 0 }));
    const seeded = first.engine.cacheEntries();
    const sameKey = GaEngine.create(config({ seed: 2, generations: 0 }), { cache: seeded });
    const f1 = clockedFitness();
    await sameKey.run({ fitness: f1.fitness });
    expect(f1.calls).toHaveLength(0);
    const otherKey = GaEngine.create(config({ seed: 2, generations: 0, trainingKey: 'epochs=5' }), { cache: seeded });
    const f2 = clockedFitness();
    await otherKey.run({ fitness: f2.fitness });
    expect(f2.calls).toHaveLength(10);
  });

  it('over-budget chromosomes are recorded with their cost and never passed to fitness', async () => {
    const cost: CostFn = (c) => {
      const params = c.conv.reduce(
        (s, g, i) => s + g.filters * g.kernel * g.kernel * (i === 0 ? 1 : (c.conv[i - 1]?.filters ?? 1)),
        0,
      );
      return { params, flops: params * 48 * 48 };
    };
    const maxParams = 40_000;
    const over = (c: Chromosome): boolean => cost(c).params > maxParams;
    for (const budgetRedraws of [0, 20]) {
      const events: EngineEvent[] = [];
      const passed: Chromosome[] = [];
      const engine = GaEngine.create(
        config({
          seed: 4,
          maxFilters: 64,
          maxParams,
          budgetRedraws,
          generations: 5,
          crossoverRate: 0.8,
          mutationRate: 0.8,
        }),
      );
      await engine.run({
        cost,
        fitness: async (c) => {
          passed.push(c);
          return { fitness: oneMax(c) };
        },
        onEvent: (e) => events.push(e),
      });
      for (const c of passed) expect(over(c)).toBe(false);
      const evaluated = events.flatMap((e) => (e.type === 'evaluated' ? [e] : []));
      const recorded = evaluated.filter((e) => e.status === 'over-budget');
      expect(recorded.length).toBeGreaterThan(0);
      for (const e of recorded) {
        expect(over(e.chromosome)).toBe(true);
        expect(e.fitness).toBeNull();
        expect(e.params).toBe(cost(e.chromosome).params);
        expect(e.flops).toBe(cost(e.chromosome).flops);
        expect(e.reason).toMatch(/parameters exceed the budget of 40000/);
      }
      for (const e of evaluated.filter((x) => x.status === 'trained')) expect(e.params).toBe(cost(e.chromosome).params);
      const initialOver = evaluated.filter((e) => e.phase === 0 && e.status === 'over-budget').length;
      if (budgetRedraws === 0) expect(initialOver).toBeGreaterThan(0);
      else expect(initialOver).toBe(0);
      expect(engine.best() && over(engine.best()!.chromosome)).toBe(false);
    }
  });

  it('a budget without a cost function is refused', async () => {
    const engine = GaEngine.create(config({ maxFlops: 1e9 }));
    await expect(engine.run({ fitness: async () => ({ fitness: 1 }) })).rejects.toThrow(/no cost function/);
  });
});
