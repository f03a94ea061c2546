import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { OPTIMIZERS } from '../../../src/ga/chromosome';
import { Adagrad, makeOptimizer, Nadam } from '../../../src/ml/optimizers';
import { useWasm } from '../../helpers/wasm-setup';

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

  it("Nadam follows Keras' update rule for three steps", () => {
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

  it("creates the other six with Keras' defaults and the chromosome's learning rate", () => {
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
    expect(configs.adagrad).toMatchObject({ initialAccumulatorValue: 0.1, epsilon: 1e-7 });
    expect(configs.adamax).toMatchObject({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7, decay: 0 });
    expect(configs.nadam).toMatchObject({ beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });

  it("Adagrad follows Keras' rule with epsilon 1e-7 whatever epsilon the backend reports", () => {
    // tfjs' WebGL backend reports 1e-4 when it renders float32; tfjs' own Adagrad would take that.
    const backendEpsilon = vi.spyOn(tf.backend(), 'epsilon').mockReturnValue(1e-4);
    const a = [1, 3, 0.5];
    const c = [0.2, -0.1, 0];
    const w0 = [1, -2, 0.5];
    const lr = 0.1;
    // acc = 0.1 + sum of g^2 so far, w -= lr * g / sqrt(acc + 1e-7), in float64.
    const expected: number[][] = [];
    const acc = w0.map(() => 0.1);
    const ref = w0.slice();
    for (let t = 0; t < 3; t++) {
      ref.forEach((x, i) => {
        const g = (a[i] as number) * x + (c[i] as number);
        acc[i] = (acc[i] as number) + g * g;
        ref[i] = x - (lr * g) / Math.sqrt((acc[i] as number) + 1e-7);
      });
      expected.push(ref.slice());
    }
    const w = tf.variable(tf.tensor1d(w0), true, 'adagrad_w');
    const at = tf.tensor1d(a);
    const ct = tf.tensor1d(c);
    const opt = makeOptimizer('adagrad', lr);
    expect(opt).toBeInstanceOf(Adagrad);
    try {
      for (let step = 0; step < 3; step++) {
        opt.minimize(() => tf.sum(tf.add(tf.mul(tf.mul(at, tf.square(w)), 0.5), tf.mul(ct, w))) as tf.Scalar, false, [
          w,
        ]);
        const got = Array.from(w.dataSync());
        // With the backend's 1e-4 the first step alone would be off by about 1e-4 of lr.
        (expected[step] as number[]).forEach((e, i) =>
          expect(got[i], `step ${step + 1}, weight ${i}`).toBeCloseTo(e, 6),
        );
      }
    } finally {
      backendEpsilon.mockRestore();
      opt.dispose();
      tf.dispose([w, at, ct]);
    }
  });

  it('Adagrad restores its accumulators from getWeights/setWeights', async () => {
    const w = tf.variable(tf.tensor1d([1, -1]), true, 'adagrad_r');
    const loss = (): tf.Scalar => tf.sum(tf.square(w));
    const first = new Adagrad(0.05);
    first.minimize(loss, false, [w]);
    first.minimize(loss, false, [w]);
    const second = new Adagrad(0.05);
    await second.setWeights(await first.getWeights());
    second.minimize(loss, false, [w]);
    const acc = [0.1, 0.1];
    const ref = [1, -1];
    for (let t = 0; t < 3; t++) {
      ref.forEach((x, i) => {
        const g = 2 * x;
        acc[i] = (acc[i] as number) + g * g;
        ref[i] = x - (0.05 * g) / Math.sqrt((acc[i] as number) + 1e-7);
      });
    }
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(ref[i] as number, 6));
    first.dispose();
    second.dispose();
    w.dispose();
  });
});
