/**
 * Dropout with a fresh mask at every training step, reproducible from a seed. tfjs's own `tf.layers.dropout({ seed })`
 * builds its generator from the same seed at every call, so every step drops the same units; this layer seeds call n
 * with (seed, n) instead, and its call counter is its whole random state (save it to continue the same masks).
 */
import * as tf from '@tensorflow/tfjs';

/** Training-mode calls made so far by each seeded dropout layer, by layer name: plain JSON. */
export type DropoutState = Record<string, number>;

/**
 * A 32-bit seed for `salt` (a layer, a call) under `seed`: nearby inputs give unrelated outputs. Never 0, because tfjs's
 * truncated-normal initialisers read a seed of 0 as "no seed" and draw from Math.random.
 */
export function deriveSeed(seed: number, salt: number): number {
  let h = ((seed >>> 0) ^ Math.imul((salt >>> 0) + 0x7f4a7c15, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h === 0 ? 1 : h;
}

/** Constructor arguments of SeededDropout. */
export interface SeededDropoutArgs {
  readonly rate: number;
  /** Without a seed the masks still differ per step but are not reproducible (inference-only models). */
  readonly seed?: number;
  readonly name: string;
}

/** Inverted dropout (kept units scaled by 1 / (1 - rate)) whose mask changes at every training-mode call. */
export class SeededDropout extends tf.layers.Layer {
  /**
   * Saved under the stock layer's name: both are the identity at inference, so model.json needs no custom class and a
   * plain `tf.loadLayersModel` reads it back as a stock Dropout. (This class is deliberately never registered.)
   */
  static readonly className = 'Dropout';
  readonly rate: number;
  private readonly seed: number | undefined;
  /** Training-mode calls so far; call n draws its mask from deriveSeed(seed, n). */
  calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    this.rate = Math.min(Math.max(args.rate, 0), 1);
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (kwargs.training !== true || this.rate <= 0 || this.rate >= 1) return x;
    const step = this.calls++;
    const seed = this.seed === undefined ? undefined : deriveSeed(this.seed, step);
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, seed));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

const seededDropouts = (model: tf.LayersModel): SeededDropout[] =>
  model.layers.filter((l): l is SeededDropout => l instanceof SeededDropout);

/** The call counters of the model's seeded dropout layers (a copy; the model is not changed). */
export function dropoutState(model: tf.LayersModel): DropoutState {
  return Object.fromEntries(seededDropouts(model).map((l) => [l.name, l.calls]));
}

/** Sets the call counters saved by `dropoutState` into a model built from the same chromosome and seed; changes the model. */
export function restoreDropoutState(model: tf.LayersModel, state: DropoutState): void {
  const layers = seededDropouts(model);
  const names = new Set(layers.map((l) => l.name));
  const unknown = Object.keys(state).find((n) => !names.has(n));
  if (unknown !== undefined) throw new Error(`dropout state names a layer this model does not have: ${unknown}`);
  for (const l of layers) {
    const calls = state[l.name];
    if (calls !== undefined) {
      if (!Number.isInteger(calls) || calls < 0)
        throw new Error(`dropout state of ${l.name} must be a non-negative integer, got ${calls}`);
      l.calls = calls;
    }
  }
}
