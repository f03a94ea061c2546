/** GA settings: the paper's defaults and a validator with readable errors. */
import type { Weight } from './emo';
import { GENE_COUNT, isValidMaxFilters, MAX_FILTERS } from './genes';

/** The crossover operators that can mate two parents. */
export const CROSSOVER_KINDS = ['one-point', 'two-point', 'k-point'] as const;
/** Which crossover operator mates two parents. */
export type CrossoverKind = (typeof CROSSOVER_KINDS)[number];
/** The selection operators that can pick parents. */
export const SELECTION_KINDS = ['tournament', 'roulette'] as const;
/** Which selection operator picks parents. */
export type SelectionKind = (typeof SELECTION_KINDS)[number];
/** How each phase after the first is made: bred from the last one (the GA) or drawn afresh (random search). */
export const STRATEGY_KINDS = ['ga', 'random'] as const;
/** How each phase after the first is made. */
export type StrategyKind = (typeof STRATEGY_KINDS)[number];
/** How long a phase's new candidates train: all of them the full epochs, or by successive halving. */
export const FIDELITY_KINDS = ['full', 'halving'] as const;
/** How long a phase's new candidates train. */
export type FidelityKind = (typeof FIDELITY_KINDS)[number];

/** One objective of a multi-objective search: the fitness result's `objectives` key and its direction (1 maximise, -1 minimise). */
export interface Objective {
  readonly key: string;
  readonly weight: Weight;
}

/** Everything that decides a search; plain JSON, stored in the engine state. */
export interface GaConfig {
  readonly seed: number;
  readonly populationSize: number;
  /** Generations after the initial population (phases = generations + 1). */
  readonly generations: number;
  /** DEAP cxpb: probability that a pair of offspring is mated. */
  readonly crossoverRate: number;
  /** DEAP mutpb: probability that an offspring is mutated. */
  readonly mutationRate: number;
  readonly crossover: CrossoverKind;
  /** Cut points of k-point crossover (1..GENE_COUNT-1); ignored by the others. */
  readonly crossoverPoints?: number;
  readonly selection: SelectionKind;
  readonly tournamentSize: number;
  /** Best successful individuals copied unchanged into the next phase. */
  readonly elitism: number;
  readonly hallOfFameSize: number;
  /** Largest filter count a gene may take: a power of two from 2 to 1024. */
  readonly maxFilters: number;
  /** Per-gene mutation probability of a mutated individual; default 1 / GENE_COUNT. */
  readonly indpb?: number;
  /** Budget: chromosomes whose cost exceeds these are not trained. */
  readonly maxParams?: number;
  readonly maxFlops?: number;
  /** Redraws of an over-budget chromosome in a drawn population before it is kept anyway; default 20. */
  readonly budgetRedraws?: number;
  /** 'ga' (default): each phase is bred from the last; 'random': each phase is drawn afresh from the gene domains. */
  readonly strategy?: StrategyKind;
  /** 'full' (default): every new candidate trains `epochs`; 'halving': successive halving within each phase. */
  readonly fidelity?: FidelityKind;
  /** Halving factor: the best 1/eta of a rung go on to the next; default 3. */
  readonly eta?: number;
  /** Epochs of a full training: passed to the fitness function, and the top rung with halving (required then). */
  readonly epochs?: number;
  /** Opaque fingerprint of the training settings (data, epochs, network...); part of the cache key. */
  readonly trainingKey: string;
  /**
   * Two or more make the search NSGA-II over these objectives (selection, tournament size and elitism are then not
   * used); absent or one: the single-objective eaSimple on `fitness`.
   */
  readonly objectives?: readonly Objective[];
}

/** True when the config searches several objectives at once (NSGA-II). */
export function isMultiObjective(config: GaConfig): boolean {
  return (config.objectives?.length ?? 0) >= 2;
}

/** The paper's search (NPop 10, NGen 3, cxpb 0.2, mutpb 0.1) with DEAP's usual operator choices. */
export const PAPER_GA_DEFAULTS = {
  seed: 1,
  populationSize: 10,
  generations: 3,
  crossoverRate: 0.2,
  mutationRate: 0.1,
  crossover: 'two-point',
  crossoverPoints: 3,
  selection: 'tournament',
  tournamentSize: 3,
  elitism: 1,
  hallOfFameSize: 5,
  maxFilters: MAX_FILTERS,
  trainingKey: '',
  // `satisfies`, not a type annotation: crossoverPoints stays typed as present, as the settings schema's defaults need.
} satisfies GaConfig;

/** Default number of initial redraws of an over-budget chromosome. */
export const DEFAULT_BUDGET_REDRAWS = 20;

/** Errors that make a config unusable; empty when it is valid. */
export function validateGaConfig(config: GaConfig): string[] {
  const errors: string[] = [];
  const int = (name: keyof GaConfig, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = config[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      errors.push(
        `${name} must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got ${JSON.stringify(v)}`,
      );
    }
  };
  const rate = (name: keyof GaConfig): void => {
    const v = config[name];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      errors.push(`${name} must be a number from 0 to 1, got ${JSON.stringify(v)}`);
  };
  const positive = (name: keyof GaConfig): void => {
    const v = config[name];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0)))
      errors.push(`${name} must be a positive number when set, got ${JSON.stringify(v)}`);
  };
  if (typeof config.seed !== 'number' || !Number.isFinite(config.seed))
    errors.push(`seed must be a number, got ${JSON.stringify(config.seed)}`);
  int('populationSize', 1);
  int('generations', 0);
  rate('crossoverRate');
  rate('mutationRate');
  if (!(CROSSOVER_KINDS as readonly string[]).includes(config.crossover)) {
    errors.push(`crossover must be one-point, two-point or k-point, got ${JSON.stringify(config.crossover)}`);
  }
  if (config.crossover === 'k-point' || config.crossoverPoints !== undefined) int('crossoverPoints', 1, GENE_COUNT - 1);
  if (!(SELECTION_KINDS as readonly string[]).includes(config.selection)) {
    errors.push(`selection must be tournament or roulette, got ${JSON.stringify(config.selection)}`);
  }
  int('tournamentSize', 1);
  int('elitism', 0, Math.max(0, config.populationSize - 1));
  int('hallOfFameSize', 1);
  if (!isValidMaxFilters(config.maxFilters))
    errors.push(`maxFilters must be a power of two from 2 to ${MAX_FILTERS}, got ${JSON.stringify(config.maxFilters)}`);
  if (config.indpb !== undefined) rate('indpb');
  positive('maxParams');
  positive('maxFlops');
  if (config.budgetRedraws !== undefined) int('budgetRedraws', 0);
  if (config.strategy !== undefined && !(STRATEGY_KINDS as readonly string[]).includes(config.strategy)) {
    errors.push(`strategy must be ga or random, got ${JSON.stringify(config.strategy)}`);
  }
  if (config.fidelity !== undefined && !(FIDELITY_KINDS as readonly string[]).includes(config.fidelity)) {
    errors.push(`fidelity must be full or halving, got ${JSON.stringify(config.fidelity)}`);
  }
  if (config.eta !== undefined) int('eta', 2);
  if (config.epochs !== undefined || config.fidelity === 'halving') int('epochs', 1);
  if (typeof config.trainingKey !== 'string')
    errors.push(`trainingKey must be a string, got ${JSON.stringify(config.trainingKey)}`);
  if (config.objectives !== undefined) {
    const list = config.objectives;
    const ok =
      Array.isArray(list) &&
      list.length > 0 &&
      list.every((o) => typeof o?.key === 'string' && o.key !== '' && (o.weight === 1 || o.weight === -1)) &&
      new Set(list.map((o) => o.key)).size === list.length;
    if (!ok) errors.push(`objectives must be distinct { key, weight: 1 | -1 } entries, got ${JSON.stringify(list)}`);
  }
  // Halving ranks a rung's candidates by one number and promotes the best 1/eta; NSGA-II ranks whole fronts of
  // objectives measured at one fidelity, so mixing 2-epoch and 10-epoch accuracies on a front would compare unlike things.
  if (isMultiObjective(config) && config.fidelity === 'halving') {
    errors.push('successive halving works with a single objective: with two or more objectives use full fidelity');
  }
  return errors;
}
