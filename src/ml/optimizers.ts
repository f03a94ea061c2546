/** The paper's seven optimizers by Keras name, with Keras' default hyperparameters; Nadam is written here since tfjs has none. */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName } from '../ga/chromosome';

interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

// Keras' backend epsilon: every Keras optimizer uses 1e-7.
const EPSILON = 1e-7;

/** Keras' Nadam momentum at step t (1-based). */
const momentumAt = (beta1: number, t: number): number => beta1 * (1 - 0.5 * Math.pow(0.96, t));

/**
 * Nadam with Keras' update rule (keras.optimizers.Nadam, Keras 2.11+/3): Adam with Nesterov momentum and the
 * momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96^t). (Keras <= 2.10's legacy Nadam used 0.96^(0.004 t); Keras 2.11
 * and 3 dropped the 0.004 schedule decay, and those are the versions we follow.)
 */
export class Nadam extends tf.Optimizer {
  static readonly className = 'Nadam';

  private step = 0;
  private uProduct = 1;
  private readonly slots = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(
    readonly learningRate = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = EPSILON,
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const t = this.step + 1;
    const muT = momentumAt(this.beta1, t);
    const muT1 = momentumAt(this.beta1, t + 1);
    const uProductT = this.uProduct * muT;
    const uProductT1 = uProductT * muT1;
    const beta2Power = Math.pow(this.beta2, t);
    for (const [name, gradient] of entries) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable || gradient == null) continue;
      let slot = this.slots.get(name);
      if (!slot) {
        // Slot variables stay unnamed (tfjs numbers them): variable names are global, and two optimizers of one weight
        // (a restored copy, say) must not collide.
        slot = {
          m: tf.tidy(() => tf.zerosLike(variable).variable(false)),
          v: tf.tidy(() => tf.zerosLike(variable).variable(false)),
        };
        this.slots.set(name, slot);
      }
      const { m, v } = slot;
      tf.tidy(() => {
        const mNew = tf.add(m, tf.mul(tf.sub(gradient, m), 1 - this.beta1));
        const vNew = tf.add(v, tf.mul(tf.sub(tf.square(gradient), v), 1 - this.beta2));
        m.assign(mNew);
        v.assign(vNew);
        const mHat = tf.add(tf.mul(mNew, muT1 / (1 - uProductT1)), tf.mul(gradient, (1 - muT) / (1 - uProductT)));
        const vHat = tf.div(vNew, 1 - beta2Power);
        variable.assign(tf.sub(variable, tf.div(tf.mul(mHat, this.learningRate), tf.add(tf.sqrt(vHat), this.epsilon))));
      });
    }
    this.uProduct = uProductT;
    this.step = t;
    this.incrementIterations();
  }

  override dispose(): void {
    for (const { m, v } of this.slots.values()) {
      m.dispose();
      v.dispose();
    }
    this.slots.clear();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [];
    for (const [name, { m, v }] of this.slots) {
      weights.push({ name: `${name}/m`, tensor: m }, { name: `${name}/v`, tensor: v });
    }
    return [await this.saveIterations(), ...weights];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.step = this.iterations;
    this.uProduct = 1;
    for (let t = 1; t <= this.step; t++) this.uProduct *= momentumAt(this.beta1, t);
    for (const { name, tensor } of rest) {
      const slash = name.lastIndexOf('/');
      const varName = name.slice(0, slash);
      const kind = name.slice(slash + 1);
      const slot = this.slots.get(varName) ?? {
        m: tf.tidy(() => tf.zerosLike(tensor).variable(false)),
        v: tf.tidy(() => tf.zerosLike(tensor).variable(false)),
      };
      this.slots.set(varName, slot);
      (kind === 'm' ? slot.m : slot.v).assign(tensor);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config.learningRate, config.beta1, config.beta2, config.epsilon);
  }
}
tf.serialization.registerClass(Nadam);

/**
 * Adagrad with Keras' update rule and epsilon on every backend: acc += g², w -= lr·g / sqrt(acc + 1e-7). tfjs' own
 * Adagrad has the same rule but adds the backend's epsilon, which tfjs' WebGL backend reports as 1e-4 whenever it
 * renders in float32 (tfjs issue 6980), so the same network trained differently on WebGL.
 */
export class Adagrad extends tf.Optimizer {
  static readonly className = 'Adagrad';

  private readonly accumulators = new Map<string, tf.Variable>();

  constructor(
    readonly learningRate = 0.001,
    readonly initialAccumulatorValue = 0.1,
    readonly epsilon = EPSILON,
  ) {
    super();
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    for (const [name, gradient] of entries) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable || gradient == null) continue;
      let acc = this.accumulators.get(name);
      if (!acc) {
        // Unnamed for the same reason as Nadam's slots: variable names are global.
        acc = tf.tidy(() => tf.fill(variable.shape, this.initialAccumulatorValue).variable(false));
        this.accumulators.set(name, acc);
      }
      const a = acc;
      tf.tidy(() => {
        const accNew = tf.add(a, tf.square(gradient));
        a.assign(accNew);
        variable.assign(
          tf.sub(variable, tf.div(tf.mul(gradient, this.learningRate), tf.sqrt(tf.add(accNew, this.epsilon)))),
        );
      });
    }
    this.incrementIterations();
  }

  override dispose(): void {
    for (const acc of this.accumulators.values()) acc.dispose();
    this.accumulators.clear();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights = [...this.accumulators].map(([name, tensor]) => ({ name: `${name}/accumulator`, tensor }));
    return [await this.saveIterations(), ...weights];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    for (const { name, tensor } of await this.extractIterations(weightValues)) {
      const varName = name.slice(0, name.lastIndexOf('/'));
      const acc = this.accumulators.get(varName) ?? tf.tidy(() => tf.zerosLike(tensor).variable(false));
      this.accumulators.set(varName, acc);
      acc.assign(tensor);
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      initialAccumulatorValue: this.initialAccumulatorValue,
      epsilon: this.epsilon,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config.learningRate, config.initialAccumulatorValue, config.epsilon);
  }
}

/** A new optimizer for the chromosome's choice, with Keras' defaults for everything but the learning rate. */
export function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate, 0.9, 0.999, EPSILON);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, 0, EPSILON);
    case 'adadelta':
      return tf.train.adadelta(learningRate, 0.95, EPSILON);
    case 'adagrad':
      return new Adagrad(learningRate, 0.1);
    case 'adamax':
      return tf.train.adamax(learningRate, 0.9, 0.999, EPSILON);
    case 'nadam':
      return new Nadam(learningRate);
  }
}

/** A tensor as plain data. */
export interface PlainTensor {
  readonly shape: number[];
  readonly values: Float32Array;
}

/**
 * An optimizer's whole state as plain data, read from its own fields: its counters (numbers), its scalar variables
 * (Adam's accumulated beta powers...), its slot lists (tfjs' optimizers keep one per trainable weight, by position) and
 * its slot maps (Nadam's, by weight name, stored here by the weight's position so that they fit a rebuilt model).
 */
export interface OptimizerState {
  readonly numbers: Readonly<Record<string, number>>;
  readonly scalars: Readonly<Record<string, PlainTensor>>;
  readonly lists: Readonly<Record<string, readonly (PlainTensor & { readonly name: string })[]>>;
  readonly maps: Readonly<
    Record<string, readonly { readonly weight: number; readonly slots: Readonly<Record<string, PlainTensor>> }[]>
  >;
}

interface SlotVariable {
  readonly originalName: string;
  readonly variable: tf.Variable;
}

const isSlot = (x: unknown): x is SlotVariable =>
  typeof x === 'object' && x !== null && (x as SlotVariable).variable instanceof tf.Variable;

async function plain(v: tf.Tensor): Promise<PlainTensor> {
  if (v.dtype !== 'float32') throw new Error(`optimizer state: a ${v.dtype} tensor, only float32 is saved`);
  return { shape: v.shape.slice(), values: new Float32Array(await v.data()) };
}

const variableOf = (t: PlainTensor): tf.Variable => tf.tidy(() => tf.tensor(t.values, t.shape).variable(false));

/**
 * The state of `optimizer` for a model whose trainable weights have these variable names, in order (a copy; nothing
 * is changed). Continue with `restoreOptimizerState` on a fresh optimizer of the same kind for a model of the same
 * chromosome: the next steps are then exactly those the original optimizer would have taken.
 */
export async function optimizerState(optimizer: tf.Optimizer, weightNames: readonly string[]): Promise<OptimizerState> {
  const numbers: Record<string, number> = {};
  const scalars: Record<string, PlainTensor> = {};
  const lists: Record<string, (PlainTensor & { name: string })[]> = {};
  const maps: Record<string, { weight: number; slots: Record<string, PlainTensor> }[]> = {};
  for (const [key, value] of Object.entries(optimizer)) {
    if (typeof value === 'number') numbers[key] = value;
    else if (value instanceof tf.Variable) scalars[key] = await plain(value);
    else if (Array.isArray(value) && value.every(isSlot))
      lists[key] = await Promise.all(value.map(async (s) => ({ name: s.originalName, ...(await plain(s.variable)) })));
    else if (value instanceof Map) {
      const entries: { weight: number; slots: Record<string, PlainTensor> }[] = [];
      for (const [name, slot] of value as Map<string, unknown>) {
        const weight = weightNames.indexOf(name);
        if (weight < 0) throw new Error(`optimizer state: a slot of ${name}, which is not a weight of this model`);
        const parts: Record<string, PlainTensor> = {};
        if (slot instanceof tf.Variable) parts[''] = await plain(slot);
        else
          for (const [k, v] of Object.entries(slot as Record<string, unknown>))
            if (v instanceof tf.Variable) parts[k] = await plain(v);
        entries.push({ weight, slots: parts });
      }
      maps[key] = entries;
    }
  }
  return { numbers, scalars, lists, maps };
}

/** Puts a saved state into a fresh optimizer of the same kind, for a model whose trainable weights have these names; changes `optimizer`. */
export function restoreOptimizerState(
  optimizer: tf.Optimizer,
  weightNames: readonly string[],
  state: OptimizerState,
): void {
  const target = optimizer as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(state.numbers)) target[key] = value;
  for (const [key, value] of Object.entries(state.scalars)) {
    const v = target[key];
    if (!(v instanceof tf.Variable)) throw new Error(`optimizer state: ${key} is not a variable of this optimizer`);
    tf.tidy(() => v.assign(tf.tensor(value.values, value.shape)));
  }
  for (const [key, list] of Object.entries(state.lists)) {
    const old = target[key];
    if (Array.isArray(old)) for (const s of old) if (isSlot(s)) s.variable.dispose();
    target[key] = list.map((s) => ({ originalName: s.name, variable: variableOf(s) }));
  }
  for (const [key, entries] of Object.entries(state.maps)) {
    const map = target[key];
    if (!(map instanceof Map)) throw new Error(`optimizer state: ${key} is not a slot map of this optimizer`);
    for (const slot of (map as Map<string, unknown>).values())
      tf.dispose(slot instanceof tf.Variable ? slot : Object.values(slot as Record<string, tf.Variable>));
    map.clear();
    for (const { weight, slots } of entries) {
      const name = weightNames[weight];
      if (name === undefined)
        throw new Error(`optimizer state: a slot of weight ${weight}, which this model does not have`);
      const single = slots[''];
      map.set(
        name,
        single ? variableOf(single) : Object.fromEntries(Object.entries(slots).map(([k, v]) => [k, variableOf(v)])),
      );
    }
  }
}
