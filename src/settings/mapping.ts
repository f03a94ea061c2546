/** The run settings as the GA engine and the trainer take them: the one place that maps RunConfig onto each. */
import type { GaConfig } from '../ga/config';
import { withDefaults, type NetworkSettings, type RunConfig } from './schema';

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
