/**
 * The cost of a chromosome's network computed without building it: pure arithmetic (no tfjs), so the page's cost
 * estimate and ETA use the same numbers as the trainer and the GA's budget.
 */
import type { Chromosome } from '../ga/chromosome';
import { IMAGE_SIDE, NUM_CLASSES } from '../data/dataset';
import { DEFAULT_RUN_CONFIG, type NetworkSettings } from '../settings';

/** Conv layers (0-based) followed by a 2x2 max-pool and dropout (the paper's Figure 2, as src/ml/model.ts builds it). */
export const POOL_AFTER: ReadonlySet<number> = new Set([1, 3, 5]);

/** Cost of one network. */
export interface NetworkCost {
  /** Trainable plus non-trainable parameters, as `countParams()` reports. */
  readonly params: number;
  /** Multiply-adds times two of one forward pass for one image. */
  readonly flops: number;
}

/** Parameter count and forward FLOPs per image of the chromosome's network, computed without building it. */
export function networkCost(c: Chromosome, net: NetworkSettings = DEFAULT_RUN_CONFIG.network): NetworkCost {
  let side = IMAGE_SIDE;
  let channels = 1;
  let params = 0;
  let flops = 0;
  c.conv.forEach((g, i) => {
    const weights = g.kernel * g.kernel * channels * g.filters;
    params += weights + g.filters + 4 * g.filters;
    flops += 2 * weights * side * side;
    channels = g.filters;
    if (POOL_AFTER.has(i)) side = Math.floor(side / 2);
  });
  const flat = side * side * channels;
  params += flat * net.denseUnits + net.denseUnits + net.denseUnits * NUM_CLASSES + NUM_CLASSES;
  flops += 2 * (flat * net.denseUnits + net.denseUnits * NUM_CLASSES);
  return { params, flops };
}
