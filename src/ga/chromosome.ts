/** The paper's chromosome (Sam'an et al. 2024, Table 1): six conv layers of filters, kernel and activation, then optimizer and learning rate. */

export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'sigmoid', 'hard_sigmoid', 'softplus', 'linear'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adadelta', 'adagrad', 'adamax', 'nadam'] as const;

export type Activation = (typeof ACTIVATIONS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const CONV_LAYERS = 6;
/** Filter counts are powers of two; the gene is the exponent 1..10 (2..1024 filters). */
export const FILTER_EXP_MIN = 1;
export const FILTER_EXP_MAX = 10;
export const KERNEL_MIN = 1;
export const KERNEL_MAX = 9;
export const LR_MIN = 1e-3;
export const LR_MAX = 1e-2;

export interface ConvGene {
  readonly filters: number;
  readonly kernel: number;
  readonly activation: Activation;
}

/** JSON form used everywhere: UI, exports, run files. */
export interface Chromosome {
  readonly conv: readonly ConvGene[];
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
}

/** The best chromosome the paper reports (Table 2). */
export const PAPER_BEST: Chromosome = {
  conv: [
    { filters: 8, kernel: 3, activation: 'tanh' },
    { filters: 8, kernel: 5, activation: 'relu' },
    { filters: 2, kernel: 9, activation: 'elu' },
    { filters: 256, kernel: 3, activation: 'sigmoid' },
    { filters: 16, kernel: 3, activation: 'linear' },
    { filters: 128, kernel: 3, activation: 'tanh' },
  ],
  optimizer: 'adagrad',
  learningRate: 0.007,
};

/** Canonical string of a chromosome: the cache key for "seen before". Learning rate is rounded to 6 significant digits. */
export function chromosomeKey(c: Chromosome): string {
  const conv = c.conv.map((g) => `${g.filters}x${g.kernel}${g.activation}`).join(',');
  return `${conv}|${c.optimizer}|${Number(c.learningRate.toPrecision(6))}`;
}

/** Errors that make a value not a valid chromosome; empty when it is one. */
export function validateChromosome(value: unknown, maxFilters = 2 ** FILTER_EXP_MAX): string[] {
  const errors: string[] = [];
  if (typeof value !== 'object' || value === null) return ['chromosome must be an object'];
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.conv) || v.conv.length !== CONV_LAYERS) {
    errors.push(`conv must be an array of ${CONV_LAYERS} layers`);
  } else {
    v.conv.forEach((g: unknown, i: number) => {
      const layer = g as Record<string, unknown> | null;
      const at = `conv[${i}]`;
      if (typeof layer !== 'object' || layer === null) {
        errors.push(`${at} must be an object`);
        return;
      }
      const f = layer.filters;
      if (typeof f !== 'number' || !Number.isInteger(Math.log2(f)) || f < 2 ** FILTER_EXP_MIN || f > maxFilters) {
        errors.push(`${at}.filters must be a power of two from 2 to ${maxFilters}, got ${JSON.stringify(f)}`);
      }
      const k = layer.kernel;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < KERNEL_MIN || k > KERNEL_MAX) {
        errors.push(`${at}.kernel must be an integer from ${KERNEL_MIN} to ${KERNEL_MAX}, got ${JSON.stringify(k)}`);
      }
      if (!ACTIVATIONS.includes(layer.activation as Activation)) {
        errors.push(
          `${at}.activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(layer.activation)}`,
        );
      }
    });
  }
  if (!OPTIMIZERS.includes(v.optimizer as OptimizerName)) {
    errors.push(`optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(v.optimizer)}`);
  }
  const lr = v.learningRate;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < LR_MIN || lr > LR_MAX) {
    errors.push(`learningRate must be a number from ${LR_MIN} to ${LR_MAX}, got ${JSON.stringify(lr)}`);
  }
  return errors;
}
