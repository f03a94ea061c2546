import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ACTIVATIONS, type Activation, type Chromosome } from '../../../src/ga/chromosome';
import { buildModel } from '../../../src/ml/model';
import { useWasm } from '../../helpers/wasm-setup';

/** Keras' definitions (Keras 2's hard_sigmoid), in float64. */
const FORMULA: Record<Activation, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
  tanh: (x) => Math.tanh(x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  hard_sigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  linear: (x) => x,
};

// Both sides of every kink: 0 for relu/elu, +-2.5 where hard_sigmoid saturates.
const SAMPLES = [-6, -3, -2.5, -2.4, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 2.4, 2.5, 3, 6];

describe('activations of the conv layers the model builder makes', () => {
  beforeAll(useWasm);

  it("covers the paper's seven activations", () => {
    expect(Object.keys(FORMULA).sort()).toEqual([...ACTIVATIONS].sort());
  });

  for (const activation of ACTIVATIONS) {
    it(`${activation} matches its formula`, () => {
      // One 1x1 filter with weight 1 and bias 0 makes conv1 output activation(pixel).
      const c: Chromosome = {
        conv: Array.from({ length: 6 }, () => ({ filters: 2, kernel: 1, activation })),
        optimizer: 'adam',
        learningRate: 0.001,
      };
      const model = buildModel(c, { denseUnits: 4, dropoutConv: 0, dropoutDense: 0 });
      const conv1 = model.getLayer('conv1');
      const weights = [tf.tensor4d([1, -1], [1, 1, 1, 2]), tf.zeros([2])];
      conv1.setWeights(weights);
      tf.dispose(weights);
      const probe = tf.model({ inputs: model.inputs, outputs: conv1.output as tf.SymbolicTensor });
      const pixels = new Float32Array(48 * 48);
      SAMPLES.forEach((v, i) => (pixels[i] = v));
      const out = tf.tidy(() => (probe.predict(tf.tensor4d(pixels, [1, 48, 48, 1])) as tf.Tensor).dataSync());
      SAMPLES.forEach((x, i) => {
        expect(out[i * 2], `${activation}(${x})`).toBeCloseTo(FORMULA[activation](x), 5);
        expect(out[i * 2 + 1], `${activation}(${-x})`).toBeCloseTo(FORMULA[activation](-x), 5);
      });
      model.dispose();
    });
  }
});
