/** The paper's CNN (Sam'an et al. 2024, Figure 2) built from a chromosome, and its cost computed without building it. */
import * as tf from '@tensorflow/tfjs';
import type { Activation, Chromosome } from '../ga/chromosome';
import { IMAGE_SIDE, NUM_CLASSES } from '../data/dataset';
import { DEFAULT_RUN_CONFIG, type NetworkSettings } from '../settings';
import { deriveSeed, SeededDropout } from './dropout';
import { batchNormalization } from './batch-norm';
import { POOL_AFTER } from '../experiment/networkCost';

// The cost arithmetic is pure and lives beside the cost model; the trainer's callers keep importing it from here.
export { networkCost, type NetworkCost } from '../experiment/networkCost';

export type { NetworkSettings };

/** The network settings a run starts from (the settings schema's defaults). */
export const DEFAULT_NETWORK: NetworkSettings = DEFAULT_RUN_CONFIG.network;

/** Keras activation names to tfjs layer activation identifiers. */
const TFJS_ACTIVATION: Record<Activation, 'relu' | 'elu' | 'tanh' | 'sigmoid' | 'hardSigmoid' | 'softplus' | 'linear'> =
  {
    relu: 'relu',
    elu: 'elu',
    tanh: 'tanh',
    sigmoid: 'sigmoid',
    // tfjs' hardSigmoid is Keras 2's: clip(0.2x + 0.5, 0, 1).
    hard_sigmoid: 'hardSigmoid',
    softplus: 'softplus',
    linear: 'linear',
  };

/**
 * A new, uncompiled LayersModel for the chromosome: input [n,48,48,1] in 0..1, output 7 softmax probabilities. `seed`
 * fixes the initial weights and the sequence of dropout masks (src/ml/dropout.ts); without it both are random.
 */
export function buildModel(c: Chromosome, net: NetworkSettings = DEFAULT_NETWORK, seed?: number): tf.LayersModel {
  const layerSeed = (i: number): number | undefined => (seed === undefined ? undefined : deriveSeed(seed, i));
  const model = tf.sequential({ name: 'evolab_cnn' });
  try {
    addLayers(model, c, net, layerSeed);
  } catch (e) {
    // Layers built before the failure already hold weight variables.
    model.dispose();
    throw e;
  }
  return model;
}

function addLayers(
  model: tf.Sequential,
  c: Chromosome,
  net: NetworkSettings,
  layerSeed: (i: number) => number | undefined,
): void {
  c.conv.forEach((g, i) => {
    model.add(
      tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [IMAGE_SIDE, IMAGE_SIDE, 1] } : {}),
        filters: g.filters,
        kernelSize: g.kernel,
        padding: 'same',
        activation: TFJS_ACTIVATION[g.activation],
        kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(i) }),
        name: `conv${i + 1}`,
      }),
    );
    model.add(batchNormalization({ name: `bn${i + 1}` }));
    if (POOL_AFTER.has(i)) {
      model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${(i + 1) / 2}` }));
      model.add(new SeededDropout({ rate: net.dropoutConv, seed: layerSeed(100 + i), name: `drop${(i + 1) / 2}` }));
    }
  });
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(
    tf.layers.dense({
      units: net.denseUnits,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(200) }),
      name: 'dense',
    }),
  );
  model.add(new SeededDropout({ rate: net.dropoutDense, seed: layerSeed(201), name: 'drop_dense' }));
  model.add(
    tf.layers.dense({
      units: NUM_CLASSES,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(202) }),
      name: 'output',
    }),
  );
}
