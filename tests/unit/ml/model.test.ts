import { beforeAll, describe, expect, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import { PAPER_BEST, type Chromosome, type ConvGene } from '../../../src/ga/chromosome';
import { buildModel, DEFAULT_NETWORK, networkCost, type NetworkSettings } from '../../../src/ml/model';
import { useWasm } from '../../helpers/wasm-setup';

const layers = (spec: [number, number][], activation: ConvGene['activation'] = 'relu'): ConvGene[] =>
  spec.map(([filters, kernel]) => ({ filters, kernel, activation }));

const CHROMOSOMES: Record<string, Chromosome> = {
  'paper best (Table 2)': PAPER_BEST,
  'all 2 filters, 1x1': {
    conv: layers([
      [2, 1],
      [2, 1],
      [2, 1],
      [2, 1],
      [2, 1],
      [2, 1],
    ]),
    optimizer: 'sgd',
    learningRate: 0.001,
  },
  'growing 3x3': {
    conv: layers(
      [
        [16, 3],
        [16, 3],
        [32, 3],
        [32, 3],
        [64, 3],
        [64, 3],
      ],
      'elu',
    ),
    optimizer: 'adam',
    learningRate: 0.002,
  },
  'mixed odd kernels': {
    conv: layers(
      [
        [4, 9],
        [32, 7],
        [8, 5],
        [128, 1],
        [2, 3],
        [16, 9],
      ],
      'tanh',
    ),
    optimizer: 'nadam',
    learningRate: 0.01,
  },
  'wide start, narrow end': {
    conv: layers(
      [
        [64, 5],
        [8, 3],
        [256, 2],
        [4, 4],
        [32, 6],
        [2, 8],
      ],
      'softplus',
    ),
    optimizer: 'adamax',
    learningRate: 0.005,
  },
  'even kernels 2..8': {
    conv: layers(
      [
        [8, 2],
        [8, 4],
        [16, 6],
        [16, 8],
        [2, 2],
        [4, 4],
      ],
      'sigmoid',
    ),
    optimizer: 'rmsprop',
    learningRate: 0.003,
  },
};

const NETS: NetworkSettings[] = [DEFAULT_NETWORK, { denseUnits: 16, dropoutConv: 0.1, dropoutDense: 0.2 }];

/** Forward FLOPs per image read off a built model's layers (2 x multiply-adds of every conv and dense layer). */
function flopsOfBuiltModel(model: tf.LayersModel): number {
  let flops = 0;
  for (const layer of model.layers) {
    const out = layer.outputShape as number[];
    const kernel = layer.getWeights()[0];
    if (layer.getClassName() === 'Conv2D' && kernel) {
      const [kh = 0, kw = 0, cin = 0, cout = 0] = kernel.shape;
      flops += 2 * kh * kw * cin * cout * (out[1] ?? 0) * (out[2] ?? 0);
    } else if (layer.getClassName() === 'Dense' && kernel) {
      const [nin = 0, nout = 0] = kernel.shape;
      flops += 2 * nin * nout;
    }
  }
  return flops;
}

describe('networkCost equals the built network', () => {
  beforeAll(useWasm);

  for (const [name, c] of Object.entries(CHROMOSOMES)) {
    it(`params and FLOPs of "${name}"`, () => {
      for (const net of NETS) {
        const model = buildModel(c, net);
        try {
          const cost = networkCost(c, net);
          expect(cost.params).toBe(model.countParams());
          expect(cost.flops).toBe(flopsOfBuiltModel(model));
        } finally {
          model.dispose();
        }
      }
    });
  }

  it('gives the paper-best FLOPs worked out by hand', () => {
    // conv FLOPs = 2 * k*k * cin * cout * side^2; sides 48, 48, 24, 24, 12, 12; flatten 6*6*128 = 4608.
    const expected =
      2 * 9 * 1 * 8 * 48 * 48 +
      2 * 25 * 8 * 8 * 48 * 48 +
      2 * 81 * 8 * 2 * 24 * 24 +
      2 * 9 * 2 * 256 * 24 * 24 +
      2 * 9 * 256 * 16 * 12 * 12 +
      2 * 9 * 16 * 128 * 12 * 12 +
      2 * (4608 * 256 + 256 * 7);
    expect(expected).toBe(32_794_112);
    expect(networkCost(PAPER_BEST, DEFAULT_NETWORK).flops).toBe(expected);
    // Parameters by hand: conv weights + bias + 4 batch-norm numbers per filter, then the two dense layers.
    const conv = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout + 4 * cout;
    const params =
      conv(3, 1, 8) +
      conv(5, 8, 8) +
      conv(9, 8, 2) +
      conv(3, 2, 256) +
      conv(3, 256, 16) +
      conv(3, 16, 128) +
      4608 * 256 +
      256 +
      256 * 7 +
      7;
    expect(networkCost(PAPER_BEST, DEFAULT_NETWORK).params).toBe(params);
  });

  it('grows FLOPs with filters and kernel size', () => {
    const base = CHROMOSOMES['growing 3x3'] as Chromosome;
    const wider: Chromosome = {
      ...base,
      conv: base.conv.map((g, i) => (i === 2 ? { ...g, filters: g.filters * 2 } : g)),
    };
    const bigger: Chromosome = { ...base, conv: base.conv.map((g, i) => (i === 0 ? { ...g, kernel: 9 } : g)) };
    expect(networkCost(wider).flops).toBeGreaterThan(networkCost(base).flops);
    expect(networkCost(bigger).flops - networkCost(base).flops).toBe(2 * (81 - 9) * 16 * 48 * 48);
  });
});
