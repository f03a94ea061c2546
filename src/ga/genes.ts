/** The chromosome as a flat gene list with one domain per gene: the representation the operators work on. */
import type { RandomSource } from './rng';
import type { Activation, Chromosome, ConvGene, OptimizerName } from './chromosome';
import {
  ACTIVATIONS,
  CONV_LAYERS,
  FILTER_EXP_MAX,
  FILTER_EXP_MIN,
  KERNEL_MAX,
  KERNEL_MIN,
  LR_MAX,
  LR_MIN,
  OPTIMIZERS,
  validateChromosome,
} from './chromosome';

/** One gene's value: a filter count or kernel size (number), an activation or optimizer (string), the learning rate (number). */
export type GeneValue = number | string;

/** A gene's domain; the kind decides how it is drawn and mutated. */
export type GeneSpec =
  | { readonly kind: 'ordinal'; readonly name: string; readonly values: readonly number[] }
  | { readonly kind: 'categorical'; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: 'log-uniform'; readonly name: string; readonly min: number; readonly max: number };

/** Genes per conv layer: filters, kernel, activation (in that order in the gene list). */
const GENES_PER_LAYER = 3;
/** Length of the gene list: 6 layers x 3, then optimizer, then learning rate. */
export const GENE_COUNT = CONV_LAYERS * GENES_PER_LAYER + 2;
/** Significant digits kept in a learning rate, so the value shown is the value trained and cached. */
export const LR_DIGITS = 4;
/** Standard deviation of a learning-rate mutation in natural-log space (a typical step multiplies it by about 1.4). */
export const LR_MUTATION_SIGMA = 0.35;
/** The largest filter count the paper allows (2^10). */
export const MAX_FILTERS = 2 ** FILTER_EXP_MAX;

/** True when `maxFilters` is a power of two from 2 to 1024. */
export function isValidMaxFilters(maxFilters: number): boolean {
  return (
    Number.isInteger(maxFilters) &&
    maxFilters >= 2 ** FILTER_EXP_MIN &&
    maxFilters <= MAX_FILTERS &&
    Number.isInteger(Math.log2(maxFilters))
  );
}

/** Allowed filter counts, ascending: 2, 4, ... maxFilters. */
export function filterValues(maxFilters: number = MAX_FILTERS): number[] {
  if (!isValidMaxFilters(maxFilters))
    throw new Error(`maxFilters must be a power of two from 2 to ${MAX_FILTERS}, got ${maxFilters}`);
  const values: number[] = [];
  for (let e = FILTER_EXP_MIN; 2 ** e <= maxFilters; e++) values.push(2 ** e);
  return values;
}

const KERNELS: readonly number[] = Array.from({ length: KERNEL_MAX - KERNEL_MIN + 1 }, (_, i) => KERNEL_MIN + i);

/** The domain of every gene, in gene-list order, for a filter cap of `maxFilters`. */
export function geneSpecs(maxFilters: number = MAX_FILTERS): GeneSpec[] {
  const filters = filterValues(maxFilters);
  const specs: GeneSpec[] = [];
  for (let l = 0; l < CONV_LAYERS; l++) {
    specs.push({ kind: 'ordinal', name: `conv${l + 1}.filters`, values: filters });
    specs.push({ kind: 'ordinal', name: `conv${l + 1}.kernel`, values: KERNELS });
    specs.push({ kind: 'categorical', name: `conv${l + 1}.activation`, values: ACTIVATIONS });
  }
  specs.push({ kind: 'categorical', name: 'optimizer', values: OPTIMIZERS });
  specs.push({ kind: 'log-uniform', name: 'learningRate', min: LR_MIN, max: LR_MAX });
  return specs;
}

/** The flat gene list of a chromosome (a new array; the chromosome is not changed). */
export function toGenes(c: Chromosome): GeneValue[] {
  const genes: GeneValue[] = [];
  for (const g of c.conv) genes.push(g.filters, g.kernel, g.activation);
  genes.push(c.optimizer, c.learningRate);
  return genes;
}

/** The chromosome of a gene list; throws when the list has the wrong length or a gene of the wrong type. */
export function fromGenes(genes: readonly GeneValue[]): Chromosome {
  if (genes.length !== GENE_COUNT) throw new Error(`a gene list has ${GENE_COUNT} genes, got ${genes.length}`);
  const num = (i: number): number => {
    const v = genes[i];
    if (typeof v !== 'number') throw new Error(`gene ${i} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const str = (i: number): string => {
    const v = genes[i];
    if (typeof v !== 'string') throw new Error(`gene ${i} must be a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const conv: ConvGene[] = [];
  for (let l = 0; l < CONV_LAYERS; l++) {
    const at = l * GENES_PER_LAYER;
    conv.push({ filters: num(at), kernel: num(at + 1), activation: str(at + 2) as Activation });
  }
  return { conv, optimizer: str(GENE_COUNT - 2) as OptimizerName, learningRate: num(GENE_COUNT - 1) };
}

/** Parses an unknown value (e.g. JSON from a file or URL) into a chromosome; throws one error listing every problem. */
export function parseChromosome(value: unknown, maxFilters: number = MAX_FILTERS): Chromosome {
  const errors = validateChromosome(value, maxFilters);
  if (errors.length > 0) throw new Error(`invalid chromosome: ${errors.join('; ')}`);
  return value as Chromosome;
}

/** A learning rate rounded to LR_DIGITS significant digits and clipped to [LR_MIN, LR_MAX]. */
export function roundLearningRate(lr: number): number {
  return Math.min(LR_MAX, Math.max(LR_MIN, Number(lr.toPrecision(LR_DIGITS))));
}

/**
 * A log-uniform draw in [min, max]: the range spans a decade and a learning rate acts multiplicatively,
 * so 1e-3..2e-3 deserves as many draws as 5e-3..1e-2 (uniform would put 89% of draws above 2e-3).
 */
export function drawLogUniform(rng: RandomSource, min: number, max: number): number {
  return Math.exp(Math.log(min) + rng.next() * (Math.log(max) - Math.log(min)));
}

/** A random value of one gene (one draw). */
export function randomGene(rng: RandomSource, spec: GeneSpec): GeneValue {
  switch (spec.kind) {
    case 'ordinal':
      return pickFrom(rng, spec.values);
    case 'categorical':
      return pickFrom(rng, spec.values);
    case 'log-uniform':
      return roundLearningRate(drawLogUniform(rng, spec.min, spec.max));
  }
}

/** Uniform pick from a non-empty list (one `int` draw). */
export function pickFrom<T>(rng: RandomSource, items: readonly T[]): T {
  const item = items[rng.int(0, items.length - 1)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
