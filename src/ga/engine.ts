/**
 * The GA engine: DEAP's eaSimple + varAnd over the paper's chromosome, with elitism, a hall of fame, a training
 * cache, a compute budget, failure handling, events, stop and exact resume from JSON (see README.md for the
 * differences from DEAP).
 */
import type { Chromosome } from './chromosome';
import { chromosomeKey } from './chromosome';
import type { GaConfig } from './config';
import { DEFAULT_BUDGET_REDRAWS, validateGaConfig } from './config';
import type { GeneSpec, GeneValue } from './genes';
import { fromGenes, GENE_COUNT, geneSpecs, toGenes } from './genes';
import type {
  CacheEntry,
  CostFn,
  Details,
  EngineState,
  EvalStatus,
  FitnessContext,
  FitnessResult,
  FitnessSuccess,
  Individual,
  PhaseStats,
  RunOptions,
} from './types';
import {
  cxKPoint,
  cxOnePoint,
  cxTwoPoint,
  hofUpdate,
  initGenes,
  mutGenes,
  selBest,
  selRoulette,
  selTournament,
  varAnd,
} from './operators';
import type { RandomSource } from './rng';
import { Rng } from './rng';

/** The cache key of a chromosome under some training settings. */
export function cacheKey(trainingKey: string, chromosome: Chromosome): string {
  return `${trainingKey}|${chromosomeKey(chromosome)}`;
}

const isSuccess = (ind: Individual): boolean => ind.status === 'trained' || ind.status === 'cached';

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A failed fitness call's reason as text; the fitness function is outside the engine, so its reason may be anything. */
const reasonText = (reason: unknown): string => (reason === undefined || reason === null ? 'failed' : typeof reason === 'string' ? reason : JSON.stringify(reason));

/** The genetic algorithm as a resumable state machine; all randomness comes from its own seeded Rng. */
export class GaEngine {
  private readonly config: GaConfig;
  private readonly specs: GeneSpec[];
  private rng: Rng;
  private initialised: boolean;
  private phase: number;
  private cursor: number;
  private population: Individual[];
  private hallOfFame: Individual[];
  private cache: Map<string, CacheEntry>;
  private history: PhaseStats[];
  private fitnessCalls: number;
  private finished: boolean;
  private running = false;

  private constructor(state: EngineState) {
    const errors = validateGaConfig(state.config);
    if (errors.length > 0) throw new Error(`invalid GA config: ${errors.join('; ')}`);
    const s = clone(state);
    this.config = s.config;
    this.specs = geneSpecs(s.config.maxFilters);
    this.rng = Rng.fromState(s.rng);
    this.initialised = s.initialised;
    this.phase = s.phase;
    this.cursor = s.cursor;
    this.population = [...s.population];
    this.hallOfFame = [...s.hallOfFame];
    this.cache = new Map(s.cache.map(([k, v]) => [k, v] as const));
    this.history = [...s.history];
    this.fitnessCalls = s.fitnessCalls;
    this.finished = s.finished;
  }

  /** A fresh engine; `cache` may carry results of earlier runs (entries of other training settings never match). */
  static create(config: GaConfig, opts: { readonly cache?: readonly (readonly [string, CacheEntry])[] } = {}): GaEngine {
    return new GaEngine({
      version: 1,
      config,
      rng: Rng.fromSeed(config.seed).state(),
      initialised: false,
      phase: 0,
      cursor: 0,
      population: [],
      hallOfFame: [],
      cache: opts.cache ?? [],
      history: [],
      fitnessCalls: 0,
      finished: false,
    });
  }

  /** An engine that continues from a snapshot (e.g. after JSON.parse); throws on a foreign or broken state. */
  static restore(state: EngineState): GaEngine {
    if (typeof state !== 'object' || state === null || state.version !== 1) throw new Error('not a GA engine state (version 1)');
    const ok =
      Array.isArray(state.population) &&
      Array.isArray(state.hallOfFame) &&
      Array.isArray(state.cache) &&
      Array.isArray(state.history) &&
      Number.isInteger(state.phase) &&
      Number.isInteger(state.cursor) &&
      state.cursor >= 0 &&
      state.cursor <= state.population.length;
    if (!ok) throw new Error('GA engine state is incomplete or inconsistent');
    return new GaEngine(withSkippedStatus(state));
  }

  /** A JSON-safe deep copy of the whole state; taking it during an evaluation gives the state before that evaluation. */
  snapshot(): EngineState {
    return clone({
      version: 1,
      config: this.config,
      rng: this.rng.state(),
      initialised: this.initialised,
      phase: this.phase,
      cursor: this.cursor,
      population: this.population,
      hallOfFame: this.hallOfFame,
      cache: [...this.cache.entries()],
      history: this.history,
      fitnessCalls: this.fitnessCalls,
      finished: this.finished,
    } satisfies EngineState);
  }

  /** True once the last phase is summarised. */
  get done(): boolean {
    return this.finished;
  }

  /** The best successful individual so far (the head of the hall of fame). */
  best(): Individual | undefined {
    return this.hallOfFame[0];
  }

  /** Copies of the hall of fame, best first. */
  hall(): Individual[] {
    return clone(this.hallOfFame);
  }

  /** Cache entries, to seed a later run's engine. */
  cacheEntries(): [string, CacheEntry][] {
    return clone([...this.cache.entries()]);
  }

  /** Runs (or continues) the search until done or stopped; one run at a time per engine. */
  async run(opts: RunOptions): Promise<'done' | 'stopped'> {
    if (this.running) throw new Error('GaEngine.run is already running');
    if ((this.config.maxParams !== undefined || this.config.maxFlops !== undefined) && opts.cost === undefined) {
      throw new Error('the config sets a budget (maxParams/maxFlops) but run() got no cost function');
    }
    this.running = true;
    try {
      return await this.loop(opts);
    } finally {
      this.running = false;
    }
  }

  private async loop(opts: RunOptions): Promise<'done' | 'stopped'> {
    if (this.finished) return 'done';
    const emit = opts.onEvent ?? ((): void => undefined);
    const checkpoint = async (): Promise<void> => {
      if (opts.onCheckpoint) await opts.onCheckpoint(this.snapshot());
    };
    const stopRequested = (): boolean => opts.signal?.aborted === true || opts.shouldStop?.() === true;
    emit({
      type: 'run-started',
      config: clone(this.config),
      resumed: this.initialised,
      phase: this.phase,
      index: this.cursor,
      phases: this.config.generations + 1,
    });
    if (!this.initialised) {
      this.initPopulation(opts.cost);
      await checkpoint();
    }
    for (;;) {
      while (this.cursor < this.population.length) {
        if (stopRequested()) {
          emit({ type: 'run-stopped', phase: this.phase, index: this.cursor });
          return 'stopped';
        }
        const current = this.population[this.cursor] as Individual;
        let record = current;
        if (current.status === 'pending') {
          const result = await this.evaluate(current, opts, stopRequested);
          if (result === 'aborted') {
            emit({ type: 'run-stopped', phase: this.phase, index: this.cursor });
            return 'stopped';
          }
          record = result;
        }
        this.population[this.cursor] = record;
        this.cursor += 1;
        emit({ type: 'evaluated', ...clone(record) });
        await checkpoint();
      }
      const summary = this.phaseStats();
      this.history.push(summary);
      this.hallOfFame = hofUpdate(this.hallOfFame, this.population, this.config.hallOfFameSize);
      emit({ type: 'phase-done', ...clone(summary) });
      if (this.phase >= this.config.generations) {
        this.finished = true;
        emit({ type: 'run-done', best: clone(this.best() ?? null), hallOfFame: this.hall(), fitnessCalls: this.fitnessCalls });
        await checkpoint();
        return 'done';
      }
      this.breed();
      await checkpoint();
    }
  }

  /** Draws the initial population; over-budget draws are redrawn up to budgetRedraws times, then kept (and recorded). */
  private initPopulation(cost: CostFn | undefined): void {
    const redraws = this.config.budgetRedraws ?? DEFAULT_BUDGET_REDRAWS;
    const population: Individual[] = [];
    for (let i = 0; i < this.config.populationSize; i++) {
      let chromosome = fromGenes(initGenes(this.rng, this.specs));
      for (let t = 0; t < redraws && this.overBudget(cost, chromosome) !== null; t++) {
        chromosome = fromGenes(initGenes(this.rng, this.specs));
      }
      population.push(pending(0, i, chromosome));
    }
    this.population = population;
    this.initialised = true;
  }

  /** Why a chromosome is over budget, or null; a throwing cost function is left for evaluate() to report. */
  private overBudget(cost: CostFn | undefined, chromosome: Chromosome): string | null {
    if (cost === undefined) return null;
    try {
      return this.budgetReason(cost(chromosome));
    } catch {
      return null;
    }
  }

  private budgetReason(c: { readonly params: number; readonly flops: number }): string | null {
    const { maxParams, maxFlops } = this.config;
    if (maxParams !== undefined && !(c.params <= maxParams)) return `${c.params} parameters exceed the budget of ${maxParams}`;
    if (maxFlops !== undefined && !(c.flops <= maxFlops)) return `${c.flops} FLOPs exceed the budget of ${maxFlops}`;
    return null;
  }

  /**
   * The record of a pending individual: over budget, cached, or trained/failed by one fitness call. Changes no engine
   * state before the fitness call settles, so a snapshot taken meanwhile is the state before this evaluation.
   * 'aborted': the call failed after a stop request; its result is dropped and the evaluation is redone on resume.
   */
  private async evaluate(ind: Individual, opts: RunOptions, stopRequested: () => boolean): Promise<Individual | 'aborted'> {
    const { chromosome, phase, index } = ind;
    const base = { phase, index, chromosome };
    let params: number | null = null;
    let flops: number | null = null;
    if (opts.cost) {
      try {
        const c = opts.cost(chromosome);
        params = c.params;
        flops = c.flops;
      } catch (e) {
        return { ...base, status: 'failed', fitness: null, reason: `cost function failed: ${errorMessage(e)}`, seconds: 0, params, flops };
      }
      const reason = this.budgetReason({ params, flops });
      if (reason !== null) return { ...base, status: 'over-budget', fitness: null, reason, seconds: 0, params, flops };
    }
    const key = cacheKey(this.config.trainingKey, chromosome);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      return withDetails<Individual>({ ...base, status: 'cached', fitness: hit.fitness, seconds: 0, params: params ?? hit.params, flops: flops ?? hit.flops }, hit.details);
    }
    const now = opts.now ?? ((): number => Date.now());
    const ctx: FitnessContext = opts.signal ? { phase, index, signal: opts.signal } : { phase, index };
    const t0 = now();
    let result: FitnessResult;
    try {
      result = await opts.fitness(chromosome, ctx);
    } catch (e) {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      return { ...base, status: 'failed', fitness: null, reason: errorMessage(e), seconds: (now() - t0) / 1000, params, flops };
    }
    const seconds = (now() - t0) / 1000;
    const status = (result as { status?: unknown }).status;
    const fitness = (result as { fitness?: unknown }).fitness;
    if (status === 'skipped') {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      return { ...base, status: 'skipped', fitness: null, seconds, params, flops };
    }
    if (status === 'failed' || typeof fitness !== 'number' || !Number.isFinite(fitness)) {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      const reason =
        status === 'failed'
          ? reasonText((result as { reason?: unknown }).reason)
          : `fitness function returned no finite fitness (${JSON.stringify(fitness)})`;
      return { ...base, status: 'failed', fitness: null, reason, seconds, params, flops };
    }
    this.fitnessCalls += 1;
    const { fitness: _f, status: _s, ...extra } = result as FitnessSuccess;
    const details = Object.keys(extra).length > 0 ? clone(extra) : undefined;
    if (params === null && typeof extra.params === 'number') params = extra.params;
    if (flops === null && typeof extra.flops === 'number') flops = extra.flops;
    const entry = withDetails<CacheEntry>({ fitness, seconds, params, flops }, details);
    this.cache.set(key, entry);
    return withDetails<Individual>({ ...base, status: 'trained', fitness, seconds, params, flops }, details);
  }

  private phaseStats(): PhaseStats {
    const pop = this.population;
    const ok = pop.filter(isSuccess);
    const values = ok.map((i) => i.fitness as number);
    const best = selBest(ok, 1)[0] ?? null;
    const counts: Record<EvalStatus, number> = { trained: 0, cached: 0, failed: 0, skipped: 0, 'over-budget': 0 };
    for (const ind of pop) if (ind.status !== 'pending') counts[ind.status] += 1;
    return {
      phase: this.phase,
      best: values.length > 0 ? Math.max(...values) : null,
      mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null,
      min: values.length > 0 ? Math.min(...values) : null,
      fitnesses: pop.map((i) => (isSuccess(i) ? i.fitness : null)),
      bestIndividual: best,
      seconds: pop.reduce((s, i) => s + i.seconds, 0),
      counts,
    };
  }

  /**
   * The next phase, as eaSimple's loop body: elites (best successful, copied unchanged), then select
   * populationSize - elites offspring, varAnd them; a child whose genes are unchanged keeps its parent's result.
   */
  private breed(): void {
    const { config, rng, specs } = this;
    const next = this.phase + 1;
    const elites = selBest(this.population.filter(isSuccess), config.elitism);
    const k = config.populationSize - elites.length;
    const parents = config.selection === 'roulette' ? selRoulette(rng, this.population, k) : selTournament(rng, this.population, k, config.tournamentSize);
    const indpb = config.indpb ?? 1 / GENE_COUNT;
    const children = varAnd<GeneValue>(
      rng,
      parents.map((p) => toGenes(p.chromosome)),
      config.crossoverRate,
      config.mutationRate,
      (r, a, b) => this.mate(r, a, b),
      (r, g) => mutGenes(r, g, specs, indpb),
    );
    const population: Individual[] = elites.map((e, i) => carry(e, next, i));
    children.forEach((genes, j) => {
      const parent = parents[j] as Individual;
      const chromosome = fromGenes(genes);
      const index = population.length;
      population.push(chromosomeKey(chromosome) === chromosomeKey(parent.chromosome) ? carry(parent, next, index) : pending(next, index, chromosome));
    });
    this.population = population;
    this.phase = next;
    this.cursor = 0;
  }

  private mate(rng: RandomSource, a: readonly GeneValue[], b: readonly GeneValue[]): [GeneValue[], GeneValue[]] {
    switch (this.config.crossover) {
      case 'one-point':
        return cxOnePoint(rng, a, b);
      case 'two-point':
        return cxTwoPoint(rng, a, b);
      case 'k-point':
        return cxKPoint(rng, a, b, this.config.crossoverPoints ?? 3);
    }
  }
}

function pending(phase: number, index: number, chromosome: Chromosome): Individual {
  return { phase, index, chromosome, status: 'pending', fitness: null, seconds: 0, params: null, flops: null };
}

/** An unchanged individual in a new phase: a success shows as 'cached'; a failed or skipped one keeps its status and reason (it is not retried). */
function carry(ind: Individual, phase: number, index: number): Individual {
  return { ...ind, phase, index, status: isSuccess(ind) ? 'cached' : ind.status, seconds: 0 };
}

/** The value with `details` set only when there are some, so JSON round trips keep the same keys. */
function withDetails<T extends Individual | CacheEntry>(value: T, details: Details | undefined): T {
  return details === undefined ? value : { ...value, details };
}

/** The reason states saved before 'skipped' was a status gave a skipped individual (then recorded as failed). */
const LEGACY_SKIP_REASON = 'skipped by user';

/** A saved state with its legacy skips (failed + LEGACY_SKIP_REASON) turned into the 'skipped' status; other states unchanged. */
function withSkippedStatus(state: EngineState): EngineState {
  const fix = (ind: Individual): Individual => {
    if (ind.status !== 'failed' || ind.reason !== LEGACY_SKIP_REASON) return ind;
    const { reason: _r, ...rest } = ind;
    return { ...rest, status: 'skipped' };
  };
  return { ...state, population: state.population.map(fix) };
}
