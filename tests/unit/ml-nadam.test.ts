import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { OPTIMIZERS } from '../../src/ga/chromosome';
import { makeOptimizer, Nadam } from '../../src/ml/optimizers';
import { useWasm } from './wasm-setup';

/**
 * keras.optimizers.Nadam (Keras 2.11+ and 3) written out in float64, one scalar weight at a time:
 *   u_t = b1 (1 - 0.5 * 0.96^t),  u_{t+1} = b1 (1 - 0.5 * 0.96^(t+1)),  U_t = u_1 ... u_t
 *   m = m + (g - m)(1 - b1),  v = v + (g^2 - v)(1 - b2)
 *   m_hat = u_{t+1} m / (1 - U_t u_{t+1}) + (1 - u_t) g / (1 - U_t),  v_hat = v / (1 - b2^t)
 *   w = w - lr m_hat / (sqrt(v_hat) + eps)
 */
function kerasNadam(w0: number[], grad: (w: number[]) => number[], steps: number, lr: number): number[][] {
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-7;
  const w = w0.slice();
  const m = w0.map(() => 0);
  const v = w0.map(() => 0);
  let uProduct = 1;
  const history: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g = grad(w);
    const uT = b1 * (1 - 0.5 * 0.96 ** t);
    const uT1 = b1 * (1 - 0.5 * 0.96 ** (t + 1));
    uProduct *= uT;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] as number;
      m[i] = (m[i] as number) + (gi - (m[i] as number)) * (1 - b1);
      v[i] = (v[i] as number) + (gi * gi - (v[i] as number)) * (1 - b2);
      const mHat = (uT1 * (m[i] as number)) / (1 - uProduct * uT1) + ((1 - uT) * gi) / (1 - uProduct);
      const vHat = (v[i] as number) / (1 - b2 ** t);
      w[i] = (w[i] as number) - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
    history.push(w.slice());
  }
  return history;
}

describe('optimizers', () => {
  beforeAll(useWasm);

  it('Nadam follows Keras\' update rule for three steps', () => {
    // Loss sum(a * w^2 / 2 + c * w): gradient a * w + c, different per weight so m and v evolve differently.
    const a = [1, 3, 0.5];
    const c = [0.2, -0.1, 0];
    const w0 = [1, -2, 0.5];
    const lr = 0.1;
    const expected = kerasNadam(w0, (w) => w.map((x, i) => (a[i] as number) * x + (c[i] as number)), 3, lr);
    // The first step by hand, as a check on the reference itself: u1 = 0.9 * 0.52 = 0.468, u2 = 0.9 * (1 - 0.5 * 0.9216).
    const u1 = 0.468;
    const u2 = 0.9 * (1 - 0.5 * 0.9216);
    const g0 = 1.2;
    const mHat = (u2 * 0.1 * g0) / (1 - u1 * u2) + ((1 - u1) * g0) / (1 - u1);
    const vHat = (0.001 * g0 * g0) / 0.001;
    expect(expected[0]?.[0]).toBeCloseTo(1 - (lr * mHat) / (Math.sqrt(vHat) + 1e-7), 12);

    const w = tf.variable(tf.tensor1d(w0), true, 'nadam_w');
    const at = tf.tensor1d(a);
    const ct = tf.tensor1d(c);
    const opt = makeOptimizer('nadam', lr);
    expect(opt).toBeInstanceOf(Nadam);
    for (let step = 0; step < 3; step++) {
      opt.minimize(() => tf.sum(tf.add(tf.mul(tf.mul(at, tf.square(w)), 0.5), tf.mul(ct, w))) as tf.Scalar, false, [w]);
      const got = Array.from(w.dataSync());
      (expected[step] as number[]).forEach((e, i) => expect(got[i], `step ${step + 1}, weight ${i}`).toBeCloseTo(e, 5));
    }
    opt.dispose();
    tf.dispose([w, at, ct]);
  });

  it('Nadam restores its state from getWeights/setWeights', async () => {
    const grad = (w: number[]): number[] => w.map((x) => 2 * x);
    const expected = kerasNadam([1, -1], grad, 3, 0.05);
    const w = tf.variable(tf.tensor1d([1, -1]), true, 'nadam_r');
    const first = new Nadam(0.05);
    const loss = (): tf.Scalar => tf.sum(tf.square(w));
    first.minimize(loss, false, [w]);
    first.minimize(loss, false, [w]);
    const second = new Nadam(0.05);
    await second.setWeights(await first.getWeights());
    second.minimize(loss, false, [w]);
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(expected[2]?.[i] as number, 5));
    first.dispose();
    second.dispose();
    w.dispose();
  });

  it('creates the other six with Keras\' defaults and the chromosome\'s learning rate', () => {
    const lr = 0.0042;
    const configs = Object.fromEntries(
      OPTIMIZERS.map((name) => {
        const opt = makeOptimizer(name, lr);
        const cfg = opt.getConfig();
        opt.dispose();
        return [name, cfg];
      }),
    );
    for (const cfg of Object.values(configs)) expect(cfg.learningRate).toBe(lr);
    expect(configs.adam).toMatchObject({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(configs.sgd).toEqual({ learningRate: lr });
    expect(configs.rmsprop).toMatchObject({ decay: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    expect(configs.adadelta).toMatchObject({ rho: 0.95, epsilon: 1e-7 });
    expect(configs.adagrad).toMatchObject({ initialAccumulatorValue: 0.1 });
    expect(configs.adamax).toMatchObject({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 });
    expect(configs.nadam).toMatchObject({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    // tfjs' Adagrad adds the backend epsilon inside the square root, as Keras does with its 1e-7.
    expect(tf.backend().epsilon()).toBe(1e-7);
  });
});
