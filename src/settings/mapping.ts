/** The run settings as the GA engine and the trainer take them: the one place that maps RunConfig onto each. */
import type { GaConfig, Objective } from '../ga/config';
import { withDefaults, type NetworkSettings, type ObjectiveName, type RunConfig } from './schema';

/**
 * Each objective as the GA engine ranks it: the key of the trainer's measurements (src/experiment) and its direction.
 * Latency is measured in milliseconds per image.
 */
export const OBJECTIVES: Readonly<Record<ObjectiveName, Objective>> = {
  accuracy: { key: 'accuracy', weight: 1 },
  params: { key: 'params', weight: -1 },
  flops: { key: 'flops', weight: -1 },
  latency: { key: 'latencyMs', weight: -1 },
};

/** True when the run searches a Pareto front (accuracy and at least one cost). */
export function isMultiObjectiveRun(config: RunConfig): boolean {
  return (config.objectives?.length ?? 1) >= 2;
}

/** The GA engine's config for a run; `trainingKey` fingerprints the training (part of the engine's cache key). */
export function gaConfig(config: RunConfig, trainingKey: string): GaConfig {
  const c = withDefaults(config);
  return {
    seed: c.seed,
    populationSize: c.populationSize,
    generations: c.generations,
    crossoverRate: c.crossoverRate,
    mutationRate: c.mutationRate,
    crossover: c.crossover,
    crossoverPoints: c.crossoverPoints,
    selection: c.selection,
    tournamentSize: c.tournamentSize,
    elitism: c.elitism,
    hallOfFameSize: c.hallOfFameSize,
    maxFilters: c.maxFilters,
    strategy: c.strategy,
    fidelity: c.fidelity,
    eta: c.eta,
    epochs: c.epochs,
    ...(c.maxParams === undefined ? {} : { maxParams: c.maxParams }),
    // The engine counts FLOPs; people set MFLOPs.
    ...(c.maxMflops === undefined ? {} : { maxFlops: c.maxMflops * 1e6 }),
    trainingKey,
    // Only a multi-objective run names them, so single-objective engine states stay as they were.
    ...(isMultiObjectiveRun(c) ? { objectives: c.objectives.map((o) => OBJECTIVES[o]) } : {}),
  };
}

/** How each candidate trains (src/ml's TrainSettings): the training part of the run settings. */
export interface TrainingSettings {
  readonly epochs: number;
  readonly batchSize: number;
  /** Early stopping and which epoch's weights are kept: the rule is on src/ml's TrainSettings.patience. */
  readonly patience: number;
  readonly augmentFlip: boolean;
  readonly network: NetworkSettings;
  /** The time budget of one candidate in seconds, when set (src/ml's TrainSettings.maxSeconds). */
  readonly maxSeconds?: number;
}

/**
 * The training settings of a run's candidates. The key order is fixed: their JSON (without the time budget, which
 * src/experiment/run.ts leaves out) is part of the GA's cache key.
 */
export function trainingSettings(config: RunConfig): TrainingSettings {
  return {
    epochs: config.epochs,
    batchSize: config.batchSize,
    patience: config.patience,
    augmentFlip: config.augmentFlip,
    network: config.network,
    ...(config.maxSeconds === undefined ? {} : { maxSeconds: config.maxSeconds }),
  };
}
