/**
 * The GA engine: DEAP's eaSimple + varAnd over the paper's chromosome, with elitism, a hall of fame, a training
 * cache, a compute budget, failure handling, events, stop and exact resume from JSON (see README.md for the
 * differences from DEAP); random search as the alternative strategy, and successive halving within each phase; or,
 * when the config names two or more objectives, NSGA-II (mu + lambda with selNSGA2 survivors and selTournamentDCD mating)
 * with the Pareto front of everything evaluated.
 */
import type { Chromosome } from './chromosome';
import { chromosomeKey } from './chromosome';
import type { GaConfig, Objective } from './config';
import { DEFAULT_BUDGET_REDRAWS, isMultiObjective, validateGaConfig } from './config';
import { paretoFront, selNSGA2, selTournamentDCD } from './emo';
import type { GeneValue } from './genes';
import { fromGenes, GENE_COUNT, geneSpecs, toGenes } from './genes';
import { DEFAULT_ETA, outOfContention, promoted, rungSchedule, type Contestant } from './halving';
import type {
  CacheEntry,
  CostFn,
  Details,
  EngineEvent,
  EngineState,
  EvalStatus,
  FitnessContext,
  FitnessResult,
  FitnessSuccess,
  Individual,
  IndividualRef,
  ObjectiveRecord,
  PhaseStats,
  PlannedCall,
  RunOptions,
  RungResult,
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

/**
 * What the engine knows of a genome: how to draw one, its canonical key (equal keys: the same individual, for the
 * cache, unchanged children and the hall of fame) and DEAP's varAnd over selected parents. The paper's chromosome is
 * the default (chromosomeGenome); tests run the same engine on other genomes (e.g. real-coded ZDT problems).
 */
export interface Genome<C> {
  /** A random individual, drawn from `rng`. */
  init(rng: RandomSource): C;
  key(c: C): string;
  /** Crossover and mutation of the selected parents (pairs in order): new children, one per parent, in order; parents unchanged. */
  vary(rng: RandomSource, parents: readonly C[]): C[];
}

/** The paper's chromosome as the engine's genome: genes drawn and varied as eaSimple's varAnd with the config's operators. */
export function chromosomeGenome(config: GaConfig): Genome<Chromosome> {
  const specs = geneSpecs(config.maxFilters);
  const indpb = config.indpb ?? 1 / GENE_COUNT;
  const mate = (rng: RandomSource, a: readonly GeneValue[], b: readonly GeneValue[]): [GeneValue[], GeneValue[]] => {
    switch (config.crossover) {
      case 'one-point':
        return cxOnePoint(rng, a, b);
      case 'two-point':
        return cxTwoPoint(rng, a, b);
      case 'k-point':
        return cxKPoint(rng, a, b, config.crossoverPoints ?? 3);
    }
  };
  return {
    init: (rng) => fromGenes(initGenes(rng, specs)),
    key: chromosomeKey,
    vary: (rng, parents) =>
      varAnd<GeneValue>(
        rng,
        parents.map((p) => toGenes(p)),
        config.crossoverRate,
        config.mutationRate,
        mate,
        (r, g) => mutGenes(r, g, specs, indpb),
      ).map(fromGenes),
  };
}

/** The cache key of a chromosome's full training under some training settings. */
export function cacheKey(trainingKey: string, chromosome: Chromosome): string {
  return `${trainingKey}|${chromosomeKey(chromosome)}`;
}

/** The cache key of a chromosome trained to a lower rung only: valid for that many epochs, not for a full training. */
export function partialKey(trainingKey: string, chromosome: Chromosome, epochs: number): string {
  return `${cacheKey(trainingKey, chromosome)}|${epochs} epochs`;
}

const isSuccess = (ind: Individual<unknown>): boolean => ind.status === 'trained' || ind.status === 'cached';

/** May be the run's best: successful and, with halving, trained the full epochs. */
const isComplete = (ind: Individual<unknown>): boolean => isSuccess(ind) && ind.partial !== true;

/**
 * An individual's values of the configured objectives, for NSGA-II. A failed, skipped, over-budget or pending one gets
 * the worst value in every objective (the multi-objective form of the penalty): every success dominates it.
 */
export function objectiveVector(ind: Individual<unknown>, objectives: readonly Objective[]): number[] {
  const rec = ind.objectives;
  const ok = isSuccess(ind) && rec !== undefined && objectives.every((o) => Number.isFinite(rec[o.key]));
  return objectives.map((o) => (ok ? (rec[o.key] as number) : -o.weight * Infinity));
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A failed fitness call's reason as text; the fitness function is outside the engine, so its reason may be anything. */
const reasonText = (reason: unknown): string =>
  reason === undefined || reason === null ? 'failed' : typeof reason === 'string' ? reason : JSON.stringify(reason);

const allIndices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The genetic algorithm as a resumable state machine; all randomness comes from its own seeded Rng. */
export class GaEngine<C = Chromosome> {
  private readonly config: GaConfig;
  private readonly genome: Genome<C>;
  private rng: Rng;
  private initialised: boolean;
  private phase: number;
  private cursor: number;
  private queue: number[];
  private rung: number;
  private rungEpochs: number[] | null;
  private population: Individual<C>[];
  private hallOfFame: Individual<C>[];
  private cache: Map<string, CacheEntry>;
  private history: PhaseStats<C>[];
  private survivors: Individual<C>[];
  private paretoFront: Individual<C>[];
  private fitnessCalls: number;
  private finished: boolean;
  private running = false;
  /** Candidates of this rung already named to onRelease (not state: a resume names the rest again). */
  private released = new Set<number>();

  private constructor(state: EngineState<C>, genome: Genome<C> | undefined) {
    const errors = validateGaConfig(state.config);
    if (errors.length > 0) throw new Error(`invalid GA config: ${errors.join('; ')}`);
    const s = clone(state);
    this.config = s.config;
    // Without a genome of its own the engine runs the paper's chromosome (C is then Chromosome).
    this.genome = genome ?? (chromosomeGenome(s.config) as unknown as Genome<C>);
    this.rng = Rng.fromState(s.rng);
    this.initialised = s.initialised;
    this.phase = s.phase;
    this.cursor = s.cursor;
    this.population = [...s.population];
    this.queue = s.queue ? [...s.queue] : allIndices(this.population.length);
    this.rung = s.rung ?? 0;
    this.rungEpochs = s.rungEpochs ? [...s.rungEpochs] : null;
    this.hallOfFame = [...s.hallOfFame];
    this.cache = new Map(s.cache.map(([k, v]) => [k, v] as const));
    this.history = [...s.history];
    this.survivors = [...(s.survivors ?? [])];
    this.paretoFront = [...(s.front ?? [])];
    this.fitnessCalls = s.fitnessCalls;
    this.finished = s.finished;
  }

  /**
   * A fresh engine; `cache` may carry results of earlier runs (entries of other training settings never match).
   * `genome` replaces the paper's chromosome (restore needs the same one).
   */
  static create<C = Chromosome>(
    config: GaConfig,
    opts: { readonly cache?: readonly (readonly [string, CacheEntry])[]; readonly genome?: Genome<C> } = {},
  ): GaEngine<C> {
    return new GaEngine<C>(
      {
        version: 1,
        config,
        rng: Rng.fromSeed(config.seed).state(),
        initialised: false,
        phase: 0,
        cursor: 0,
        queue: [],
        rung: 0,
        population: [],
        hallOfFame: [],
        cache: opts.cache ?? [],
        history: [],
        fitnessCalls: 0,
        finished: false,
      },
      opts.genome,
    );
  }

  /** An engine that continues from a snapshot (e.g. after JSON.parse); throws on a foreign or broken state. */
  static restore<C = Chromosome>(state: EngineState<C>, opts: { readonly genome?: Genome<C> } = {}): GaEngine<C> {
    if (typeof state !== 'object' || state === null || state.version !== 1)
      throw new Error('not a GA engine state (version 1)');
    const queue = state.queue ?? (Array.isArray(state.population) ? allIndices(state.population.length) : null);
    const ok =
      Array.isArray(state.population) &&
      Array.isArray(state.hallOfFame) &&
      Array.isArray(state.cache) &&
      Array.isArray(state.history) &&
      Array.isArray(queue) &&
      queue.every((i) => Number.isInteger(i) && i >= 0 && i < state.population.length) &&
      Number.isInteger(state.phase) &&
      Number.isInteger(state.cursor) &&
      state.cursor >= 0 &&
      state.cursor <= queue.length &&
      (state.rung === undefined || (Number.isInteger(state.rung) && state.rung >= 0));
    if (!ok) throw new Error('GA engine state is incomplete or inconsistent');
    return new GaEngine<C>(withSkippedStatus(state), opts.genome);
  }

  /** A JSON-safe deep copy of the whole state; taking it during an evaluation gives the state before that evaluation. */
  snapshot(): EngineState<C> {
    const multi = isMultiObjective(this.config);
    return clone({
      version: 1,
      config: this.config,
      rng: this.rng.state(),
      initialised: this.initialised,
      phase: this.phase,
      cursor: this.cursor,
      queue: this.queue,
      rung: this.rung,
      ...(this.rungEpochs === null ? {} : { rungEpochs: this.rungEpochs }),
      population: this.population,
      hallOfFame: this.hallOfFame,
      cache: [...this.cache.entries()],
      history: this.history,
      // Only multi-objective states carry these, so single-objective states stay as they were.
      ...(multi ? { survivors: this.survivors, front: this.paretoFront } : {}),
      fitnessCalls: this.fitnessCalls,
      finished: this.finished,
    } satisfies EngineState<C>);
  }

  /** True once the last phase is summarised. */
  get done(): boolean {
    return this.finished;
  }

  /** The best individual so far that may be the run's best (the head of the hall of fame). */
  best(): Individual<C> | undefined {
    return this.hallOfFame[0];
  }

  /** Copies of the hall of fame, best first. */
  hall(): Individual<C>[] {
    return clone(this.hallOfFame);
  }

  /** Multi-objective runs: copies of the Pareto front of everything evaluated so far, best first; empty otherwise. */
  front(): Individual<C>[] {
    return clone(this.paretoFront);
  }

  /** Cache entries, to seed a later run's engine. */
  cacheEntries(): [string, CacheEntry][] {
    return clone([...this.cache.entries()]);
  }

  /** Runs (or continues) the search until done or stopped; one run at a time per engine. */
  async run(opts: RunOptions<C>): Promise<'done' | 'stopped'> {
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

  private async loop(opts: RunOptions<C>): Promise<'done' | 'stopped'> {
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
      index: this.queue[this.cursor] ?? this.population.length,
      phases: this.config.generations + 1,
    });
    this.released = new Set();
    if (!this.initialised) {
      this.population = this.drawPopulation(0, opts.cost);
      this.initialised = true;
      this.startPhase(opts.cost, emit);
      await checkpoint();
    }
    this.announce(opts);
    for (;;) {
      while (this.cursor < this.queue.length) {
        const index = this.queue[this.cursor] as number;
        if (stopRequested()) {
          emit({ type: 'run-stopped', phase: this.phase, index });
          return 'stopped';
        }
        const current = this.population[index] as Individual<C>;
        let record = current;
        if (this.rung > 0 || current.status === 'pending') {
          const result = await this.evaluate(current, opts, stopRequested);
          if (result === 'aborted') {
            emit({ type: 'run-stopped', phase: this.phase, index });
            return 'stopped';
          }
          record = result;
        }
        this.population[index] = record;
        this.cursor += 1;
        const multi = isMultiObjective(this.config);
        if (multi) this.updateFront(record);
        emit({ type: 'evaluated', ...clone(record) });
        if (multi) emit({ type: 'front', phase: record.phase, index: record.index, members: this.frontRefs() });
        this.release(opts);
        await checkpoint();
      }
      if (this.nextRung(emit)) {
        this.announce(opts);
        await checkpoint();
        continue;
      }
      const summary = this.phaseStats();
      this.history.push(summary);
      this.hallOfFame = hofUpdate(
        this.hallOfFame,
        this.population.filter(isComplete),
        this.config.hallOfFameSize,
        (i) => this.genome.key(i.chromosome),
      );
      emit({ type: 'phase-done', ...clone(summary) });
      if (this.phase >= this.config.generations) {
        this.finished = true;
        emit({
          type: 'run-done',
          best: clone(this.best() ?? null),
          hallOfFame: this.hall(),
          fitnessCalls: this.fitnessCalls,
        });
        await checkpoint();
        return 'done';
      }
      this.phase += 1;
      this.population = this.config.strategy === 'random' ? this.drawPopulation(this.phase, opts.cost) : this.breed();
      this.startPhase(opts.cost, emit);
      this.announce(opts);
      await checkpoint();
    }
  }

  /**
   * A population of `populationSize` chromosomes drawn from the gene domains: the initial population, and every phase
   * of random search. An over-budget draw is redrawn up to budgetRedraws times, then kept (and recorded over budget).
   */
  private drawPopulation(phase: number, cost: CostFn<C> | undefined): Individual<C>[] {
    const redraws = this.config.budgetRedraws ?? DEFAULT_BUDGET_REDRAWS;
    const population: Individual<C>[] = [];
    for (let i = 0; i < this.config.populationSize; i++) {
      let chromosome = this.genome.init(this.rng);
      for (let t = 0; t < redraws && this.overBudget(cost, chromosome) !== null; t++) {
        chromosome = this.genome.init(this.rng);
      }
      population.push(pending(phase, i, chromosome));
    }
    return population;
  }

  /** The first pass of a new phase: every individual in index order; with halving, the phase's rung schedule. */
  private startPhase(cost: CostFn<C> | undefined, emit: (e: EngineEvent<C>) => void): void {
    this.queue = allIndices(this.population.length);
    this.cursor = 0;
    this.rung = 0;
    this.rungEpochs = null;
    this.released = new Set();
    if (this.config.fidelity !== 'halving') return;
    // The candidates the phase trains: distinct chromosomes that still need a full training and fit the budget.
    const fresh = new Set<string>();
    for (const ind of this.population) {
      if (ind.status !== 'pending' || this.overBudget(cost, ind.chromosome) !== null) continue;
      if (!this.cache.has(this.fullKey(ind.chromosome))) fresh.add(this.genome.key(ind.chromosome));
    }
    this.rungEpochs = rungSchedule(this.config.epochs as number, this.config.eta ?? DEFAULT_ETA, fresh.size);
    emit({
      type: 'rung-started',
      phase: this.phase,
      rung: 0,
      rungEpochs: [...this.rungEpochs],
      indices: [...this.queue],
    });
  }

  /** Epochs the current rung trains to (the config's epochs with full fidelity, which may not say). */
  private rungTarget(): number | undefined {
    return this.rungEpochs?.[this.rung] ?? this.config.epochs;
  }

  /** True while the current rung is below the top one: its results may be continued. */
  private belowTop(): boolean {
    return this.rungEpochs !== null && this.rung < this.rungEpochs.length - 1;
  }

  /** onPlan with the calls left in the current pass (cache hits, repeats and over-budget individuals left out). */
  private announce(opts: RunOptions<C>): void {
    if (!opts.onPlan || this.cursor >= this.queue.length) return;
    const epochs = this.rungTarget();
    const seen = new Set<string>();
    const calls: PlannedCall<C>[] = [];
    for (const index of this.queue.slice(this.cursor)) {
      const ind = this.population[index] as Individual<C>;
      if (this.rung === 0 && ind.status !== 'pending') continue;
      if (this.overBudget(opts.cost, ind.chromosome) !== null || this.cached(ind.chromosome) !== undefined) continue;
      const key = this.genome.key(ind.chromosome);
      if (seen.has(key)) continue;
      seen.add(key);
      calls.push({
        index,
        chromosome: clone(ind.chromosome),
        ...(epochs === undefined ? {} : { epochs }),
        ...(this.rungEpochs ? { rung: this.rung } : {}),
      });
    }
    opts.onPlan({ phase: this.phase, rung: this.rung, rungCount: this.rungEpochs?.length ?? 1, calls });
  }

  /** The contestants of the current rung: successful, evaluated in this pass and not yet trained the full epochs. */
  private contestants(upTo: number): Contestant[] {
    return this.queue
      .slice(0, upTo)
      .map((i) => this.population[i] as Individual<C>)
      .filter((ind) => isSuccess(ind) && ind.partial === true && ind.rung === this.rung)
      .map((ind) => ({ index: ind.index, fitness: ind.fitness as number }));
  }

  /** onRelease for the candidates of this pass that will not be trained further, each named once. */
  private release(opts: RunOptions<C>): void {
    if (!opts.onRelease || this.rungEpochs === null) return;
    const contestants = this.contestants(this.cursor);
    const live = new Set(contestants.map((c) => c.index));
    const out = new Set<number>(this.queue.slice(0, this.cursor).filter((i) => !live.has(i)));
    for (const i of outOfContention(contestants, this.queue.length - this.cursor, this.config.eta ?? DEFAULT_ETA))
      out.add(i);
    const fresh = [...out].filter((i) => !this.released.has(i)).sort((a, b) => a - b);
    for (const i of fresh) this.released.add(i);
    if (fresh.length > 0) opts.onRelease(this.phase, fresh);
  }

  /** After a pass below the top rung: promotes the best 1/eta of its contestants to the next rung; false when none go on. */
  private nextRung(emit: (e: EngineEvent<C>) => void): boolean {
    if (!this.belowTop() || this.rungEpochs === null) return false;
    const up = promoted(this.contestants(this.queue.length), this.config.eta ?? DEFAULT_ETA);
    if (up.length === 0) return false;
    this.rung += 1;
    this.queue = up;
    this.cursor = 0;
    this.released = new Set();
    emit({
      type: 'rung-started',
      phase: this.phase,
      rung: this.rung,
      rungEpochs: [...this.rungEpochs],
      indices: [...up],
    });
    return true;
  }

  /** Why a chromosome is over budget, or null; a throwing cost function is left for evaluate() to report. */
  private overBudget(cost: CostFn<C> | undefined, chromosome: C): string | null {
    if (cost === undefined) return null;
    try {
      return this.budgetReason(cost(chromosome));
    } catch {
      return null;
    }
  }

  private budgetReason(c: { readonly params: number; readonly flops: number }): string | null {
    const { maxParams, maxFlops } = this.config;
    if (maxParams !== undefined && !(c.params <= maxParams))
      return `${c.params} parameters exceed the budget of ${maxParams}`;
    if (maxFlops !== undefined && !(c.flops <= maxFlops)) {
      const mflops = (f: number): string => `${Number((f / 1e6).toPrecision(4))}`;
      return `${mflops(c.flops)} MFLOPs per image exceed the budget of ${mflops(maxFlops)}`;
    }
    return null;
  }

  /** The cache key of a genome's full training (cacheKey for the paper's chromosome). */
  private fullKey(chromosome: C): string {
    return `${this.config.trainingKey}|${this.genome.key(chromosome)}`;
  }

  /** The cache key of a genome trained to a lower rung only (partialKey for the paper's chromosome). */
  private partKey(chromosome: C, epochs: number): string {
    return `${this.fullKey(chromosome)}|${epochs} epochs`;
  }

  /** The cache entry that answers a call for this chromosome at the current rung: a full training, or one to exactly these epochs. */
  private cached(chromosome: C): CacheEntry | undefined {
    const full = this.cache.get(this.fullKey(chromosome));
    if (full !== undefined) return full;
    const epochs = this.rungTarget();
    return this.belowTop() && epochs !== undefined ? this.cache.get(this.partKey(chromosome, epochs)) : undefined;
  }

  /**
   * The record of an individual after one evaluation: over budget, cached, or trained/failed by one fitness call (at
   * the current rung, continuing its earlier rungs). Changes no engine state before the fitness call settles, so a
   * snapshot taken meanwhile is the state before this evaluation. 'aborted': the call failed after a stop request; its
   * result is dropped and the evaluation is redone on resume.
   */
  private async evaluate(
    ind: Individual<C>,
    opts: RunOptions<C>,
    stopRequested: () => boolean,
  ): Promise<Individual<C> | 'aborted'> {
    const { chromosome, phase, index } = ind;
    const first = this.rung === 0;
    const halving = this.rungEpochs !== null;
    const target = this.rungTarget();
    const belowTop = this.belowTop();
    // Seconds and rungs of the earlier rungs of this phase carry into the record of a later one.
    const before = first
      ? { seconds: 0, rungs: [] as RungResult[] }
      : { seconds: ind.seconds, rungs: [...(ind.rungs ?? [])] };
    let params: number | null = ind.params;
    let flops: number | null = ind.flops;
    const base = { phase, index, chromosome, ...(halving ? { rung: this.rung } : {}) };
    const rungsWith = (fitness: number | null, seconds: number): { rungs?: RungResult[] } =>
      halving && target !== undefined ? { rungs: [...before.rungs, { epochs: target, fitness, seconds }] } : {};
    if (first && opts.cost) {
      try {
        const c = opts.cost(chromosome);
        params = c.params;
        flops = c.flops;
      } catch (e) {
        return {
          ...base,
          status: 'failed',
          fitness: null,
          reason: `cost function failed: ${errorMessage(e)}`,
          seconds: 0,
          params,
          flops,
        };
      }
      const reason = this.budgetReason({ params, flops });
      if (reason !== null) return { ...base, status: 'over-budget', fitness: null, reason, seconds: 0, params, flops };
    }
    const hit = this.cached(chromosome);
    if (hit !== undefined) {
      // A full training from the cache takes no part in this phase's rungs unless it was promoted into one.
      const inRungs = hit.partial === true || !first;
      const { rung: _r, ...unranked } = base;
      const cachedRecord: Individual<C> = withObjectives<Individual<C>>(
        {
          ...(inRungs ? base : unranked),
          status: 'cached',
          fitness: hit.fitness,
          seconds: before.seconds,
          params: params ?? hit.params,
          flops: flops ?? hit.flops,
          ...(hit.epochsTrained === undefined ? {} : { epochsTrained: hit.epochsTrained }),
          ...(inRungs ? rungsWith(hit.fitness, 0) : {}),
          ...(hit.partial ? { partial: true as const } : {}),
        },
        hit.objectives,
      );
      return withDetails(cachedRecord, hit.details);
    }
    const now = opts.now ?? ((): number => Date.now());
    const ctx: FitnessContext = {
      phase,
      index,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(target === undefined ? {} : { epochs: target }),
      ...(halving ? { rung: this.rung, rungCount: (this.rungEpochs as number[]).length, keep: belowTop } : {}),
    };
    const t0 = now();
    let result: FitnessResult;
    try {
      result = await opts.fitness(chromosome, ctx);
    } catch (e) {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      const seconds = (now() - t0) / 1000;
      return {
        ...base,
        status: 'failed',
        fitness: null,
        reason: errorMessage(e),
        seconds: before.seconds + seconds,
        params,
        flops,
        ...rungsWith(null, seconds),
      };
    }
    const seconds = (now() - t0) / 1000;
    const status = (result as { status?: unknown }).status;
    const fitness = (result as { fitness?: unknown }).fitness;
    const epochsTrained = (result as { epochsTrained?: unknown }).epochsTrained;
    const trainedEpochs = typeof epochsTrained === 'number' ? { epochsTrained } : {};
    const spent = { seconds: before.seconds + seconds, params, flops, ...trainedEpochs, ...rungsWith(null, seconds) };
    if (status === 'skipped') {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      return { ...base, status: 'skipped', fitness: null, ...spent };
    }
    if (status === 'over-budget') {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      return {
        ...base,
        status: 'over-budget',
        fitness: null,
        reason:
          (result as { reason?: unknown }).reason === undefined
            ? 'over budget'
            : reasonText((result as { reason?: unknown }).reason),
        ...spent,
      };
    }
    if (status === 'failed' || typeof fitness !== 'number' || !Number.isFinite(fitness)) {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      const reason =
        status === 'failed'
          ? reasonText((result as { reason?: unknown }).reason)
          : `fitness function returned no finite fitness (${JSON.stringify(fitness)})`;
      return { ...base, status: 'failed', fitness: null, reason, ...spent };
    }
    const {
      fitness: _f,
      status: _s,
      epochsTrained: _e,
      final,
      objectives: measured,
      ...extra
    } = result as FitnessSuccess;
    const objectives = measured === undefined ? undefined : (clone(measured) as ObjectiveRecord);
    const missing = isMultiObjective(this.config)
      ? this.objectives().find((o) => !Number.isFinite(objectives?.[o.key]))
      : undefined;
    if (missing !== undefined) {
      if (stopRequested()) return 'aborted';
      this.fitnessCalls += 1;
      return {
        ...base,
        status: 'failed',
        fitness: null,
        reason: `fitness function returned no finite value of the objective ${missing.key}`,
        ...spent,
      };
    }
    this.fitnessCalls += 1;
    const details = Object.keys(extra).length > 0 ? clone(extra) : undefined;
    if (params === null && typeof extra.params === 'number') params = extra.params;
    if (flops === null && typeof extra.flops === 'number') flops = extra.flops;
    // A training that early stopping ended is as complete as a full one: no rung above would train it further.
    const partial = belowTop && final !== true;
    const entry = withDetails(
      withObjectives<CacheEntry>(
        { fitness, seconds, params, flops, ...trainedEpochs, ...(partial ? { partial: true as const } : {}) },
        objectives,
      ),
      details,
    );
    this.cache.set(partial ? this.partKey(chromosome, target as number) : this.fullKey(chromosome), entry);
    return withDetails(
      withObjectives<Individual<C>>(
        {
          ...base,
          status: 'trained',
          fitness,
          ...spent,
          params,
          flops,
          ...rungsWith(fitness, seconds),
          ...(partial ? { partial: true as const } : {}),
        },
        objectives,
      ),
      details,
    );
  }

  private phaseStats(): PhaseStats<C> {
    const pop = this.population;
    const ok = pop.filter(isSuccess);
    const values = ok.map((i) => i.fitness as number);
    const eligible = pop.filter(isComplete);
    const best = selBest(eligible, 1)[0] ?? null;
    const counts: Record<EvalStatus, number> = { trained: 0, cached: 0, failed: 0, skipped: 0, 'over-budget': 0 };
    for (const ind of pop) if (ind.status !== 'pending') counts[ind.status] += 1;
    return {
      phase: this.phase,
      best: best === null ? null : (best.fitness as number),
      mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null,
      min: values.length > 0 ? Math.min(...values) : null,
      fitnesses: pop.map((i) => (isSuccess(i) ? i.fitness : null)),
      bestIndividual: best,
      seconds: pop.reduce((s, i) => s + i.seconds, 0),
      counts,
      ...(this.rungEpochs === null ? {} : { rungEpochs: [...this.rungEpochs] }),
      ...(isMultiObjective(this.config) ? { front: this.frontRefs() } : {}),
    };
  }

  /** The weighted objectives of a multi-objective config (NSGA-II). */
  private objectives(): readonly Objective[] {
    return this.config.objectives ?? [];
  }

  /** The Pareto front with this newly evaluated record taken into account (distinct genomes, best first). */
  private updateFront(record: Individual<C>): void {
    if (!isSuccess(record)) return;
    const objectives = this.objectives();
    this.paretoFront = paretoFront(
      [...this.paretoFront, record],
      (i) => objectiveVector(i, objectives),
      objectives.map((o) => o.weight),
      (i) => this.genome.key(i.chromosome),
    );
  }

  private frontRefs(): IndividualRef[] {
    return this.paretoFront.map((i) => ({ phase: i.phase, index: i.index }));
  }

  /**
   * The next phase of the GA, as eaSimple's loop body: elites (best successful, copied unchanged), then select
   * populationSize - elites offspring, varAnd them; a child whose genes are unchanged keeps its parent's result.
   * Multi-objective configs breed as NSGA-II instead (breedNsga2).
   */
  private breed(): Individual<C>[] {
    if (isMultiObjective(this.config)) return this.breedNsga2();
    const { config, rng } = this;
    const elites = selBest(this.population.filter(isSuccess), config.elitism);
    const k = config.populationSize - elites.length;
    const parents =
      config.selection === 'roulette'
        ? selRoulette(rng, this.population, k)
        : selTournament(rng, this.population, k, config.tournamentSize);
    return this.offspring(elites, parents);
  }

  /**
   * NSGA-II's generation step (DEAP's examples/ga/nsga2.py): the survivors are selNSGA2 of the last survivors plus the
   * offspring just evaluated (at phase 1, of the initial population), one per genome; mating parents are
   * selTournamentDCD on the survivors with the crowding distances selNSGA2 gave them; children vary as in eaSimple.
   */
  private breedNsga2(): Individual<C>[] {
    const { config, rng } = this;
    const objectives = this.objectives();
    const values = (i: Individual<C>): number[] => objectiveVector(i, objectives);
    const weights = objectives.map((o) => o.weight);
    const seen = new Set<string>();
    // A carried-over copy is the same network trained once: it must not take a second survivor place.
    const union = [...this.survivors, ...this.population].filter((i) => {
      const key = this.genome.key(i.chromosome);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const ranked = selNSGA2(union, config.populationSize, values, weights);
    this.survivors = ranked.map((r) => r.item);
    const parents = selTournamentDCD(rng, ranked, config.populationSize, values, weights);
    return this.offspring([], parents);
  }

  /** The population of the phase just begun (this.phase): the elites carried unchanged, then the parents' children (varied by the genome). */
  private offspring(elites: readonly Individual<C>[], parents: readonly Individual<C>[]): Individual<C>[] {
    const next = this.phase;
    const children = this.genome.vary(
      this.rng,
      parents.map((p) => p.chromosome),
    );
    const population: Individual<C>[] = elites.map((e, i) => carry(e, next, i));
    children.forEach((chromosome, j) => {
      const parent = parents[j] as Individual<C>;
      const index = population.length;
      population.push(
        this.genome.key(chromosome) === this.genome.key(parent.chromosome)
          ? carry(parent, next, index)
          : pending(next, index, chromosome),
      );
    });
    return population;
  }
}

function pending<C>(phase: number, index: number, chromosome: C): Individual<C> {
  return { phase, index, chromosome, status: 'pending', fitness: null, seconds: 0, params: null, flops: null };
}

/**
 * An unchanged individual in a new phase: a success shows as 'cached'; a failed or skipped one keeps its status and
 * reason (it is not retried). It is not trained in the new phase, so its rungs stay with the phase that trained it;
 * a partial one stays partial.
 */
function carry<C>(ind: Individual<C>, phase: number, index: number): Individual<C> {
  const { rung: _r, rungs: _rs, ...rest } = ind;
  return { ...rest, phase, index, status: isSuccess(ind) ? 'cached' : ind.status, seconds: 0 };
}

/** The value with `details` set only when there are some, so JSON round trips keep the same keys. */
function withDetails<T extends Individual<unknown> | CacheEntry>(value: T, details: Details | undefined): T {
  return details === undefined ? value : { ...value, details };
}

/** The value with `objectives` set only when measured, so single-objective states keep their keys. */
function withObjectives<T extends Individual<unknown> | CacheEntry>(
  value: T,
  objectives: ObjectiveRecord | undefined,
): T {
  return objectives === undefined ? value : { ...value, objectives };
}

/** The reason states saved before 'skipped' was a status gave a skipped individual (then recorded as failed). */
const LEGACY_SKIP_REASON = 'skipped by user';

/** A saved state with its legacy skips (failed + LEGACY_SKIP_REASON) turned into the 'skipped' status; other states unchanged. */
function withSkippedStatus<C>(state: EngineState<C>): EngineState<C> {
  const fix = (ind: Individual<C>): Individual<C> => {
    if (ind.status !== 'failed' || ind.reason !== LEGACY_SKIP_REASON) return ind;
    const { reason: _r, ...rest } = ind;
    return { ...rest, status: 'skipped' };
  };
  return { ...state, population: state.population.map(fix) };
}
