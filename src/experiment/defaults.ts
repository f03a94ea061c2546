/** The settings a run starts from, in the lab and in the CLI: the paper's search with the lab's training defaults. */
import { PAPER_GA_DEFAULTS } from '../ga/config';
import type { RunConfig } from './types';

const ga = PAPER_GA_DEFAULTS;

/** Paper: population 10, 3 generations, crossover 0.2, mutation 0.1, filters up to 1024; DEAP's usual operators. */
export const DEFAULT_RUN_CONFIG: RunConfig = {
  seed: 42,
  populationSize: ga.populationSize,
  generations: ga.generations,
  crossoverRate: ga.crossoverRate,
  mutationRate: ga.mutationRate,
  maxFilters: ga.maxFilters,
  epochs: 10,
  batchSize: 32,
  patience: 3,
  augmentFlip: false,
  // The paper gives no dense width or dropout rates (PAPER.md); these are ours, shown in the settings.
  network: { denseUnits: 256, dropoutConv: 0.25, dropoutDense: 0.5 },
  perClass: 0,
  crossover: ga.crossover,
  ...(ga.crossoverPoints === undefined ? {} : { crossoverPoints: ga.crossoverPoints }),
  selection: ga.selection,
  tournamentSize: ga.tournamentSize,
  elitism: ga.elitism,
  hallOfFameSize: ga.hallOfFameSize,
};
