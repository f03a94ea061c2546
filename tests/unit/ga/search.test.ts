/** Search that spends less: successive halving, random search, over-budget results and the plan of fitness calls, on scripted fitness values. */
import { describe, expect, it } from 'vitest';
import {
  GaEngine,
  PAPER_GA_DEFAULTS,
  Rng,
  chromosomeKey,
  fromGenes,
  geneSpecs,
  initGenes,
  outOfContention,
  promoted,
  promotionCount,
  rungSchedule,
  validateChromosome,
} from '../../../src/ga';
import type {
  Chromosome,
  EngineEvent,
  EngineState,
  EvaluationPlan,
  FitnessContext,
  FitnessFn,
  FitnessResult,
  GaConfig,
  Individual,
} from '../../../src/ga';

const config = (over: Partial<GaConfig> = {}): GaConfig => ({ ...PAPER_GA_DEFAULTS, trainingKey: 'toy', ...over });

/** A number in [0, 1) fixed by the chromosome: the scripted "quality" of a network. */
function quality(c: Chromosome): number {
  let h = 2166136261;
  for (const ch of chromosomeKey(c)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** Scripted validation accuracy after `epochs`: rises with epochs towards the quality, so short trainings rank like long ones. */
const accuracyAt = (c: Chromosome, epochs: number): number => Math.round(quality(c) * (1 - 0.5 ** epochs) * 1e6) / 1e6;

interface Call {
  readonly key: string;
  readonly ctx: FitnessContext;
}

/** A fitness of scripted values with a fake clock (one second per epoch trained in the call) and a log of its calls. */
function scripted(
  value: (c: Chromosome, epochs: number) => FitnessResult = (c, e) => ({ fitness: accuracyAt(c, e), epochsTrained: e }),
) {
  let clock = 0;
  const calls: Call[] = [];
  const trained = new Map<string, number>();
  const fitness: FitnessFn = async (c, ctx) => {
    const key = chromosomeKey(c);
    calls.push({ key, ctx });
    const epochs = ctx.epochs ?? 0;
    clock += 1000 * (epochs - (trained.get(`${ctx.phase}:${ctx.index}`) ?? 0));
    trained.set(`${ctx.phase}:${ctx.index}`, epochs);
    return value(c, epochs);
  };
  return { fitness, calls, now: () => clock };
}

async function run(
  cfg: GaConfig,
  f = scripted(),
  extra: { onPlan?: (p: EvaluationPlan) => void; onRelease?: (phase: number, i: readonly number[]) => void } = {},
) {
  const engine = GaEngine.create(cfg);
  const events: EngineEvent[] = [];
  const states: EngineState[] = [];
  expect(
    await engine.run({
      fitness: f.fitness,
      now: f.now,
      onEvent: (e) => events.push(e),
      onCheckpoint: (s) => {
        states.push(JSON.parse(JSON.stringify(s)) as EngineState);
      },
      ...extra,
    }),
  ).toBe('done');
  return { engine, events, states, calls: f.calls };
}

const evaluated = (events: EngineEvent[]): (Individual & { type: 'evaluated' })[] =>
  events.flatMap((e) => (e.type === 'evaluated' ? [e] : []));

describe('the rung schedule and the promotion rule', () => {
  it('trains rung k to ceil(epochs / eta^k) epochs, with as many rungs as the candidates can be divided by eta', () => {
    expect(rungSchedule(10, 3, 10)).toEqual([2, 4, 10]);
    expect(rungSchedule(10, 3, 9)).toEqual([2, 4, 10]);
    expect(rungSchedule(10, 3, 8)).toEqual([4, 10]);
    expect(rungSchedule(10, 3, 3)).toEqual([4, 10]);
    expect(rungSchedule(10, 3, 2)).toEqual([10]);
    expect(rungSchedule(10, 3, 0)).toEqual([10]);
    expect(rungSchedule(9, 3, 27)).toEqual([1, 3, 9]);
    expect(rungSchedule(10, 2, 8)).toEqual([2, 3, 5, 10]);
    // Rungs that would train no further than the one below are left out.
    expect(rungSchedule(2, 3, 10)).toEqual([1, 2]);
    expect(rungSchedule(1, 3, 30)).toEqual([1]);
  });

  it('promotes the best 1/eta (at least one), ties to the lower index, in index order', () => {
    expect([0, 1, 2, 3, 5, 9, 10].map((n) => promotionCount(n, 3))).toEqual([0, 1, 1, 1, 1, 3, 3]);
    const c = [
      { index: 4, fitness: 0.5 },
      { index: 1, fitness: 0.7 },
      { index: 7, fitness: 0.7 },
      { index: 2, fitness: 0.6 },
      { index: 0, fitness: 0.1 },
      { index: 3, fitness: 0.2 },
    ];
    expect(promoted(c, 3)).toEqual([1, 7]);
    expect(promoted(c, 6)).toEqual([1]);
    expect(promoted([], 3)).toEqual([]);
  });

  it('names the contestants that can no longer be promoted, given how many results are still to come', () => {
    const c = [
      { index: 0, fitness: 0.3 },
      { index: 1, fitness: 0.9 },
      { index: 2, fitness: 0.5 },
    ];
    // 3 evaluated + 6 to come: at most 3 promoted, nobody is out yet.
    expect(outOfContention(c, 6, 3)).toEqual([]);
    // 3 evaluated + 3 to come: at most 2 promoted, so the third best is out.
    expect(outOfContention(c, 3, 3)).toEqual([0]);
    expect(outOfContention(c, 0, 3)).toEqual([2, 0]);
  });
});

describe('successive halving inside each phase', () => {
  // 9 candidates, eta 3, 9 epochs: rungs of 1, 3 and 9 epochs; 9 -> 3 -> 1 in the initial population.
  const halving = (over: Partial<GaConfig> = {}): GaConfig =>
    config({ seed: 5, populationSize: 9, generations: 0, fidelity: 'halving', eta: 3, epochs: 9, ...over });

  it('trains every new candidate to the first rung, then the best third to each next rung, continuing (the context asks for totals)', async () => {
    const { events, calls, engine } = await run(halving());
    const rungStarts = events.flatMap((e) => (e.type === 'rung-started' ? [e] : []));
    expect(rungStarts.map((e) => [e.rung, e.indices.length])).toEqual([
      [0, 9],
      [1, 3],
      [2, 1],
    ]);
    expect(rungStarts[0]?.rungEpochs).toEqual([1, 3, 9]);
    expect(calls.map((c) => [c.ctx.rung, c.ctx.epochs, c.ctx.keep])).toEqual([
      ...Array.from({ length: 9 }, () => [0, 1, true]),
      ...Array.from({ length: 3 }, () => [1, 3, true]),
      [2, 9, false],
    ]);
    for (const c of calls) expect(c.ctx.rungCount).toBe(3);
    // Promotion follows the rung's scripted values: the 3 best at 1 epoch, then the best of those at 3 epochs.
    const first = evaluated(events).filter((e) => e.rung === 0);
    const byFitness = [...first].sort((a, b) => (b.fitness ?? 0) - (a.fitness ?? 0) || a.index - b.index);
    expect(rungStarts[1]?.indices).toEqual(
      byFitness
        .slice(0, 3)
        .map((e) => e.index)
        .sort((a, b) => a - b),
    );
    const final = engine.snapshot().population;
    const complete = final.filter((i) => i.partial !== true);
    expect(complete).toHaveLength(1);
    expect(complete[0]).toMatchObject({ status: 'trained', rung: 2, epochsTrained: 9 });
    expect(complete[0]?.rungs?.map((r) => r.epochs)).toEqual([1, 3, 9]);
    // Seconds add up over the rungs: 1 + 2 + 6 epochs of the fake clock.
    expect(complete[0]?.seconds).toBe(9);
    expect(complete[0]?.rungs?.map((r) => r.seconds)).toEqual([1, 2, 6]);
    for (const ind of final.filter((i) => i.partial === true)) {
      // The fitness for selection is the validation accuracy at the last rung reached.
      expect(ind.fitness).toBe(accuracyAt(ind.chromosome, ind.rungs?.at(-1)?.epochs ?? 0));
      expect(ind.rung).toBeLessThan(2);
    }
    const phase = events.find((e) => e.type === 'phase-done');
    expect(phase).toMatchObject({
      rungEpochs: [1, 3, 9],
      best: complete[0]?.fitness,
      bestIndividual: { index: complete[0]?.index },
    });
    // 9 + 3 + 1 calls: 9 + 3*2 + 6 = 21 epochs instead of 81.
    expect(calls).toHaveLength(13);
    expect(final.reduce((s, i) => s + i.seconds, 0)).toBe(21);
  });

  it('only a candidate trained the full epochs can be the best, even when a shorter training scored higher', async () => {
    // Overfitting: the longer the training, the lower the score, so every partial result beats the complete one.
    const f = scripted((c, e) => ({ fitness: Math.round((0.9 - e / 20) * quality(c) * 1e6) / 1e6, epochsTrained: e }));
    const { engine, events } = await run(halving({ generations: 1, elitism: 1 }), f);
    const all = evaluated(events);
    const best = engine.best();
    expect(best?.partial).toBeUndefined();
    expect(best?.epochsTrained).toBe(9);
    expect(Math.max(...all.map((e) => e.fitness ?? 0))).toBeGreaterThan(best?.fitness ?? 1);
    for (const h of engine.hall()) expect(h.partial).toBeUndefined();
    for (const e of events) if (e.type === 'phase-done') expect(e.bestIndividual?.partial).toBeUndefined();
    const done = events.at(-1);
    expect(done?.type === 'run-done' && done.best?.partial).toBeUndefined();
  });

  it('a candidate whose training ended early (final) counts as complete and is not promoted', async () => {
    const early = new Set<string>();
    const f = scripted((c, e) => {
      // The first two candidates stop early after 1 epoch (as with patience): more epochs would change nothing.
      if (early.size < 2) early.add(chromosomeKey(c));
      return early.has(chromosomeKey(c))
        ? { fitness: 0.99, epochsTrained: 1, final: true }
        : { fitness: accuracyAt(c, e), epochsTrained: e };
    });
    const { engine, events } = await run(halving(), f);
    const pop = engine.snapshot().population;
    const finals = pop.filter((i) => early.has(chromosomeKey(i.chromosome)));
    expect(finals).toHaveLength(2);
    for (const i of finals) expect(i).toMatchObject({ rung: 0, epochsTrained: 1, fitness: 0.99 });
    for (const i of finals) expect(i.partial).toBeUndefined();
    const rung1 = events.find((e) => e.type === 'rung-started' && e.rung === 1);
    // 7 contestants left at rung 0: the best 2 of them go on; the finals are not among them.
    expect(rung1?.type === 'rung-started' && rung1.indices).toHaveLength(2);
    expect(rung1?.type === 'rung-started' && rung1.indices.some((i) => finals.some((f2) => f2.index === i))).toBe(
      false,
    );
    expect(engine.best()?.fitness).toBe(0.99);
    // Complete results are cached as full trainings.
    expect(engine.snapshot().cache.filter(([, v]) => v.partial !== true).length).toBeGreaterThanOrEqual(2);
  });

  it('failures, skips and over-budget results at a rung leave the contest; a time-over-budget result keeps its seconds', async () => {
    let n = 0;
    const f = scripted((c, e) => {
      n++;
      if (n === 2) return { status: 'failed', reason: 'diverged' };
      if (n === 3) return { status: 'skipped' };
      if (n === 4) return { status: 'over-budget', reason: 'ran past the time budget of 60 s', epochsTrained: 0 };
      return { fitness: accuracyAt(c, e), epochsTrained: e };
    });
    const { engine, events } = await run(halving(), f);
    const pop = engine.snapshot().population;
    expect(pop.map((i) => i.status).slice(0, 4)).toEqual(['trained', 'failed', 'skipped', 'over-budget']);
    expect(pop[3]).toMatchObject({ reason: 'ran past the time budget of 60 s', fitness: null, seconds: 1 });
    const rung1 = events.find((e) => e.type === 'rung-started' && e.rung === 1);
    // 6 contestants left: 2 promoted, none of the three that dropped out.
    expect(rung1?.type === 'rung-started' && rung1.indices).toHaveLength(2);
    expect(rung1?.type === 'rung-started' && rung1.indices.some((i) => i >= 1 && i <= 3)).toBe(false);
    // Not cached: nothing but successes is.
    const keys = new Set(engine.snapshot().cache.map(([k]) => k.split('|')[1]));
    for (const i of pop.slice(1, 4)) expect(keys.has(chromosomeKey(i.chromosome))).toBe(false);
  });

  it('onRelease names each trained candidate once per phase, never one that is promoted later, and all of them by the end of the phase', async () => {
    const held = new Set<string>();
    const released = new Map<number, number[]>();
    let maxHeld = 0;
    const f0 = scripted();
    const f: typeof f0 = {
      ...f0,
      fitness: async (c, ctx) => {
        const r = await f0.fitness(c, ctx);
        if (ctx.keep) held.add(`${ctx.phase}:${ctx.index}`);
        maxHeld = Math.max(maxHeld, held.size);
        return r;
      },
    };
    const phaseDone: number[] = [];
    // Random search: every phase trains 9 new candidates.
    const { events } = await run(halving({ generations: 2, strategy: 'random' }), f, {
      onRelease: (phase, indices) => {
        expect(phaseDone).not.toContain(phase);
        const list = released.get(phase) ?? [];
        for (const i of indices) {
          expect(list).not.toContain(i);
          list.push(i);
          held.delete(`${phase}:${i}`);
        }
        released.set(phase, list);
      },
    });
    for (const e of events) if (e.type === 'phase-done') phaseDone.push(e.phase);
    expect(held.size).toBe(0);
    for (const p of [0, 1, 2]) {
      expect(
        [...(released.get(p) ?? [])].sort((a, b) => a - b),
        `phase ${p}`,
      ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      // A candidate is released after its last evaluation in the phase, never before a rung it is promoted to.
      const order = events.filter(
        (e) => (e.type === 'evaluated' && e.phase === p) || (e.type === 'rung-started' && e.phase === p),
      );
      for (const i of released.get(p) ?? []) {
        const lastEval = order.reduce((last, e, k) => (e.type === 'evaluated' && e.index === i ? k : last), -1);
        const promotedAfter = order.findIndex(
          (e, k) => k > lastEval && e.type === 'rung-started' && e.indices.includes(i),
        );
        expect(promotedAfter).toBe(-1);
      }
    }
    // Out-of-contention candidates are dropped as soon as they are known: fewer than all 9 are ever held at once.
    expect(maxHeld).toBeLessThan(9);
  });

  it('a GA run with halving over several phases resumes from the JSON of any checkpoint to the same state and events', async () => {
    const cfg = halving({ seed: 8, generations: 3, crossoverRate: 0.9, mutationRate: 0.9, maxFilters: 16 });
    const full = await run(cfg);
    const finalState = full.engine.snapshot();
    const fullEvents = full.events.filter((e) => e.type !== 'run-started');
    expect(fullEvents.filter((e) => e.type === 'rung-started' && e.rung > 0).length).toBeGreaterThan(3);
    for (const [i, saved] of full.states.entries()) {
      const restored = GaEngine.restore(JSON.parse(JSON.stringify(saved)) as EngineState);
      const events: EngineEvent[] = [];
      const f = scripted();
      expect(await restored.run({ fitness: f.fitness, now: f.now, onEvent: (e) => events.push(e) })).toBe('done');
      const mine = restored.snapshot();
      // The fake clock of a resumed run starts again at 0, so seconds differ: compare everything else.
      const noTime = (s: EngineState): unknown =>
        JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === 'seconds' ? 0 : v)));
      expect(noTime(mine), `checkpoint ${i}`).toEqual(noTime(finalState));
      const rest = events.filter((e) => e.type !== 'run-started');
      expect(
        rest.map((e) => noTime(e as unknown as EngineState)),
        `checkpoint ${i}`,
      ).toEqual(fullEvents.slice(fullEvents.length - rest.length).map((e) => noTime(e as unknown as EngineState)));
    }
  });

  it('a stop mid-rung drops the call in progress; the resumed run makes it again with the same rung and epochs', async () => {
    const cfg = halving({ generations: 1 });
    const full = await run(cfg);
    const signal = { aborted: false };
    let n = 0;
    const f = scripted();
    const engine = GaEngine.create(cfg);
    const outcome = await engine.run({
      now: f.now,
      signal,
      fitness: async (c, ctx) => {
        if (++n === 11) {
          // The second call of rung 1.
          expect(ctx).toMatchObject({ rung: 1, epochs: 3 });
          signal.aborted = true;
          throw new Error('training cancelled');
        }
        return f.fitness(c, ctx);
      },
    });
    expect(outcome).toBe('stopped');
    const state = engine.snapshot();
    expect(state).toMatchObject({ rung: 1, cursor: 1 });
    const resumedCalls: FitnessContext[] = [];
    const resumed = GaEngine.restore(state);
    const g = scripted();
    await resumed.run({ fitness: async (c, ctx) => (resumedCalls.push(ctx), g.fitness(c, ctx)), now: g.now });
    expect(resumedCalls[0]).toMatchObject({ rung: 1, epochs: 3 });
    const strip = (s: EngineState): unknown =>
      JSON.parse(JSON.stringify(s, (k, v: unknown) => (k === 'seconds' ? 0 : v)));
    expect(strip(resumed.snapshot())).toEqual(strip(full.engine.snapshot()));
  });

  it('a repeat of a chromosome within a rung is answered from the cache (partial results are cached for their epochs)', async () => {
    // The initial population with its second and fifth individuals made copies of the first.
    const engine = GaEngine.create(halving());
    let drawn: EngineState | null = null;
    await engine.run({
      fitness: async () => ({ fitness: 0 }),
      onCheckpoint: (s) => void (drawn ??= s),
      shouldStop: () => drawn !== null,
    });
    const state = drawn as unknown as EngineState;
    const first = state.population[0] as Individual;
    const copies: EngineState = {
      ...state,
      population: state.population.map((i) =>
        i.index === 1 || i.index === 4 ? { ...i, chromosome: first.chromosome } : i,
      ),
    };
    const events: EngineEvent[] = [];
    const copyOfFirst = (c: Chromosome): boolean => chromosomeKey(c) === chromosomeKey(first.chromosome);
    const g = scripted((c, e) => ({
      fitness: copyOfFirst(c) ? Math.round(0.9 * e) / 10 : accuracyAt(c, e) / 10,
      epochsTrained: e,
    }));
    const restored = GaEngine.restore(JSON.parse(JSON.stringify(copies)) as EngineState);
    await restored.run({ fitness: g.fitness, now: g.now, onEvent: (e) => events.push(e) });
    const asked = g.calls.map((c) => `${c.key}@${c.ctx.epochs}`);
    expect(new Set(asked).size).toBe(asked.length);
    const mine = evaluated(events).filter((e) => copyOfFirst(e.chromosome));
    // Rung 0: the first trains, its copies take its result; they are the best three, so all go on to rung 1 where the
    // same happens; at rung 2 only the first (the lowest index of a tie) goes on.
    expect(mine.map((e) => [e.index, e.rung, e.status])).toEqual([
      [0, 0, 'trained'],
      [1, 0, 'cached'],
      [4, 0, 'cached'],
      [0, 1, 'trained'],
      [1, 1, 'cached'],
      [4, 1, 'cached'],
      [0, 2, 'trained'],
    ]);
    for (const e of mine.filter((x) => x.status === 'cached')) expect(e.seconds).toBe(0);
    expect(restored.snapshot().fitnessCalls).toBe(g.calls.length);
    expect(restored.best()?.index).toBe(0);
  });
});

describe('random search', () => {
  const random = (over: Partial<GaConfig> = {}): GaConfig =>
    config({ seed: 21, populationSize: 6, generations: 3, strategy: 'random', maxFilters: 64, ...over });

  it('draws every phase afresh from the gene domains with the run seed, like the initial population', async () => {
    const { events } = await run(random());
    const all = evaluated(events);
    expect(all).toHaveLength(24);
    const rng = Rng.fromSeed(21);
    const specs = geneSpecs(64);
    const expected = Array.from({ length: 24 }, () => fromGenes(initGenes(rng, specs)));
    expect(all.map((e) => e.chromosome)).toEqual(expected);
    for (const e of all) expect(validateChromosome(e.chromosome)).toEqual([]);
    for (const e of all) for (const g of e.chromosome.conv) expect(g.filters).toBeLessThanOrEqual(64);
    // Nothing is carried over: every individual of every phase is a new draw (trained, or cached when it repeats).
    expect(all.every((e) => e.status === 'trained' || e.status === 'cached')).toBe(true);
    expect(all.filter((e) => e.status === 'trained')).toHaveLength(
      new Set(all.map((e) => chromosomeKey(e.chromosome))).size,
    );
  });

  it('is reproducible, differs from the GA of the same seed, and has the same phases and population', async () => {
    const a = await run(random());
    const b = await run(random());
    expect(b.events).toEqual(a.events);
    const ga = await run(random({ strategy: 'ga' }));
    expect(ga.events.filter((e) => e.type === 'phase-done')).toHaveLength(4);
    expect(evaluated(ga.events)).toHaveLength(24);
    expect(
      evaluated(ga.events)
        .slice(6)
        .map((e) => e.chromosome),
    ).not.toEqual(
      evaluated(a.events)
        .slice(6)
        .map((e) => e.chromosome),
    );
    // The initial population is the same draw for both strategies.
    expect(evaluated(ga.events).slice(0, 6)).toEqual(evaluated(a.events).slice(0, 6));
  });

  it('redraws over-budget chromosomes in every phase, and works with halving', async () => {
    const cost = (c: Chromosome): { params: number; flops: number } => ({
      params: c.conv.reduce((s, g) => s + g.filters * g.kernel * g.kernel, 0),
      flops: 0,
    });
    const engine = GaEngine.create(random({ maxParams: 2000, populationSize: 9, fidelity: 'halving', epochs: 9 }));
    const events: EngineEvent[] = [];
    const f = scripted();
    await engine.run({ fitness: f.fitness, now: f.now, cost, onEvent: (e) => events.push(e) });
    const all = evaluated(events);
    for (const e of all.filter((x) => x.status !== 'over-budget'))
      expect(cost(e.chromosome).params).toBeLessThanOrEqual(2000);
    for (const p of [0, 1, 2, 3])
      expect(events.some((e) => e.type === 'rung-started' && e.phase === p && e.rung === 1)).toBe(true);
    expect(engine.best()?.partial).toBeUndefined();
  });
});

describe('the plan of fitness calls', () => {
  it('announces each pass before its calls, and a concurrent caller gets the same run as a sequential one', async () => {
    const cfg = config({
      seed: 4,
      populationSize: 9,
      generations: 2,
      crossoverRate: 0.8,
      mutationRate: 0.6,
      maxFilters: 8,
      fidelity: 'halving',
      epochs: 9,
    });
    const sequential = await run(cfg);
    const plans: EvaluationPlan[] = [];
    const ahead = new Map<string, Promise<FitnessResult>>();
    let inFlight = 0;
    let maxInFlight = 0;
    const slowValue = async (c: Chromosome, epochs: number, delay: number): Promise<FitnessResult> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, delay));
      inFlight--;
      return { fitness: accuracyAt(c, epochs), epochsTrained: epochs };
    };
    const at = (phase: number, index: number, rung: number | undefined): string => `${phase}:${index}:${rung ?? 0}`;
    const unplanned: string[] = [];
    const engine = GaEngine.create(cfg);
    const events: EngineEvent[] = [];
    await engine.run({
      onEvent: (e) => events.push(e),
      onPlan: (plan) => {
        plans.push(plan);
        // Every planned call starts at once; later ones finish first, so the engine must wait for them in order.
        plan.calls.forEach((call, k) =>
          ahead.set(
            at(plan.phase, call.index, call.rung),
            slowValue(call.chromosome, call.epochs ?? 0, 5 * (plan.calls.length - k)),
          ),
        );
      },
      fitness: async (c, ctx) => {
        const pending = ahead.get(at(ctx.phase, ctx.index, ctx.rung));
        if (!pending) unplanned.push(at(ctx.phase, ctx.index, ctx.rung));
        return pending ?? slowValue(c, ctx.epochs ?? 0, 1);
      },
    });
    expect(unplanned).toEqual([]);
    expect(maxInFlight).toBeGreaterThan(1);
    // The plans list exactly the calls made, in order.
    const made = sequential.calls.map((c) => at(c.ctx.phase, c.ctx.index, c.ctx.rung));
    expect(plans.flatMap((p) => p.calls.map((c) => at(p.phase, c.index, c.rung)))).toEqual(made);
    const schedules = new Map(
      sequential.events.flatMap((e) =>
        e.type === 'rung-started' && e.rung === 0 ? [[e.phase, e.rungEpochs] as const] : [],
      ),
    );
    for (const p of plans) for (const c of p.calls) expect(c.epochs).toBe(schedules.get(p.phase)?.[p.rung]);
    const noTime = (es: EngineEvent[]): unknown =>
      JSON.parse(JSON.stringify(es, (k, v: unknown) => (k === 'seconds' ? 0 : v)));
    expect(noTime(events)).toEqual(noTime(sequential.events));
  });

  it('on resume, announces the rest of the pass', async () => {
    const cfg = config({ seed: 4, populationSize: 5, generations: 0, epochs: 3 });
    const engine = GaEngine.create(cfg);
    let n = 0;
    await engine.run({ fitness: async (c) => ({ fitness: quality(c) }), shouldStop: () => n++ >= 2 });
    const plans: EvaluationPlan[] = [];
    await GaEngine.restore(engine.snapshot()).run({
      fitness: async (c) => ({ fitness: quality(c) }),
      onPlan: (p) => plans.push(p),
    });
    expect(plans).toHaveLength(1);
    expect(plans[0]?.calls.map((c) => c.index)).toEqual([2, 3, 4]);
    // Full fidelity: one pass per phase, the config's epochs asked for.
    expect(plans[0]).toMatchObject({ phase: 0, rung: 0, rungCount: 1 });
    expect(plans[0]?.calls.every((c) => c.epochs === 3 && c.rung === undefined)).toBe(true);
  });

  it('leaves out cache hits and over-budget individuals', async () => {
    const cost = (c: Chromosome): { params: number; flops: number } => ({
      params: c.conv[0]?.kernel ?? 0,
      flops: 1e9 * (c.conv[1]?.kernel ?? 0),
    });
    const plans: EvaluationPlan[] = [];
    const engine = GaEngine.create(
      config({
        seed: 2,
        populationSize: 8,
        generations: 4,
        maxFlops: 5e9,
        budgetRedraws: 0,
        crossoverRate: 0.9,
        mutationRate: 0.2,
        maxFilters: 2,
      }),
    );
    const calls: number[] = [];
    const events: EngineEvent[] = [];
    await engine.run({
      cost,
      fitness: async (c, ctx) => (calls.push(ctx.phase * 100 + ctx.index), { fitness: quality(c) }),
      onPlan: (p) => plans.push(p),
      onEvent: (e) => events.push(e),
    });
    expect(plans.flatMap((p) => p.calls.map((c) => p.phase * 100 + c.index))).toEqual(calls);
    const all = evaluated(events);
    expect(all.some((e) => e.status === 'over-budget')).toBe(true);
    expect(all.some((e) => e.status === 'cached')).toBe(true);
    for (const e of all.filter((x) => x.status === 'over-budget'))
      expect(e.reason).toMatch(/^\d+(\.\d+)? MFLOPs per image exceed the budget of 5000$/);
  });
});
