/**
 * A model's weight arrays as one little-endian float32 buffer and back: how checkpoints store them (IndexedDB and
 * disk); and a training's continuation state (src/ml/train.ts TrainState) as JSON metadata plus one such buffer.
 */
import type { TrainState } from '../ml/train';

/** Packs a model's weight arrays into one little-endian float32 buffer (a copy; the inputs are not changed). */
export function packWeights(values: readonly Float32Array[]): ArrayBuffer {
  const total = values.reduce((a, v) => a + v.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const v of values) {
    all.set(v, at);
    at += v.length;
  }
  return all.buffer;
}

/** Splits a packed buffer back into one Float32Array per shape; throws when the sizes do not add up. */
export function unpackWeights(buffer: ArrayBuffer, shapes: readonly (readonly number[])[]): Float32Array[] {
  if (buffer.byteLength % 4 !== 0)
    throw new Error(`saved weights are ${buffer.byteLength} bytes, not a whole number of float32 values`);
  const floats = new Float32Array(buffer);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== floats.length)
    throw new Error(`saved weights hold ${floats.length} values but their shapes need ${total}`);
  let at = 0;
  return sizes.map((n) => floats.slice(at, (at += n)));
}

/** A continuation state's JSON part: everything but the float arrays, which are packed in order into one buffer. */
export interface PackedTrainStateMeta {
  readonly epochsDone: number;
  readonly weightShapes: number[][];
  readonly optimizer: {
    readonly numbers: Readonly<Record<string, number>>;
    readonly scalars: Readonly<Record<string, number[]>>;
    readonly lists: Readonly<Record<string, readonly { readonly name: string; readonly shape: number[] }[]>>;
    readonly maps: Readonly<
      Record<string, readonly { readonly weight: number; readonly slots: Readonly<Record<string, number[]>> }[]>
    >;
  };
  readonly rng: TrainState['rng'];
  readonly orderLength: number;
  readonly dropout: TrainState['dropout'];
  readonly kept: {
    readonly epoch: number;
    readonly accuracy: number;
    readonly loss: number;
    readonly weights: boolean;
  } | null;
  readonly stale: number;
  readonly stopped: boolean;
  readonly seconds: number;
  readonly images: number;
  readonly trainSeconds: number;
}

/**
 * A continuation state as JSON-safe metadata and one float32 buffer (current weights, optimizer tensors, the kept
 * weights, then the training order; row numbers below 2^24 are exact in float32). The state is not changed.
 */
export function packTrainState(state: TrainState): { meta: PackedTrainStateMeta; buffer: ArrayBuffer } {
  const arrays: Float32Array[] = [...state.weights.values];
  const o = state.optimizer;
  const scalars: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(o.scalars)) {
    scalars[k] = t.shape;
    arrays.push(t.values);
  }
  const lists: Record<string, { name: string; shape: number[] }[]> = {};
  for (const [k, list] of Object.entries(o.lists)) {
    lists[k] = list.map((t) => ({ name: t.name, shape: t.shape }));
    for (const t of list) arrays.push(t.values);
  }
  const maps: Record<string, { weight: number; slots: Record<string, number[]> }[]> = {};
  for (const [k, entries] of Object.entries(o.maps)) {
    maps[k] = entries.map((e) => ({
      weight: e.weight,
      slots: Object.fromEntries(Object.entries(e.slots).map(([s, t]) => [s, t.shape])),
    }));
    for (const e of entries) for (const t of Object.values(e.slots)) arrays.push(t.values);
  }
  const keptWeights = state.kept?.weights ?? null;
  if (keptWeights) arrays.push(...keptWeights.values);
  arrays.push(Float32Array.from(state.order));
  const meta: PackedTrainStateMeta = {
    epochsDone: state.epochsDone,
    weightShapes: state.weights.shapes,
    optimizer: { numbers: o.numbers, scalars, lists, maps },
    rng: state.rng,
    orderLength: state.order.length,
    dropout: state.dropout,
    kept: state.kept
      ? { epoch: state.kept.epoch, accuracy: state.kept.accuracy, loss: state.kept.loss, weights: keptWeights !== null }
      : null,
    stale: state.stale,
    stopped: state.stopped,
    seconds: state.seconds,
    images: state.images,
    trainSeconds: state.trainSeconds,
  };
  return { meta, buffer: packWeights(arrays) };
}

/** The state packed by packTrainState; throws when the buffer does not match the metadata. */
export function unpackTrainState(meta: PackedTrainStateMeta, buffer: ArrayBuffer): TrainState {
  const o = meta.optimizer;
  const shapes: number[][] = [...meta.weightShapes, ...Object.values(o.scalars)];
  for (const list of Object.values(o.lists)) for (const t of list) shapes.push(t.shape);
  for (const entries of Object.values(o.maps)) for (const e of entries) shapes.push(...Object.values(e.slots));
  if (meta.kept?.weights) shapes.push(...meta.weightShapes);
  shapes.push([meta.orderLength]);
  const arrays = unpackWeights(buffer, shapes);
  let at = 0;
  const take = (): Float32Array => arrays[at++] as Float32Array;
  const weights = { shapes: meta.weightShapes, values: meta.weightShapes.map(take) };
  const scalars = Object.fromEntries(Object.entries(o.scalars).map(([k, shape]) => [k, { shape, values: take() }]));
  const lists = Object.fromEntries(
    Object.entries(o.lists).map(([k, list]) => [
      k,
      list.map((t) => ({ name: t.name, shape: t.shape, values: take() })),
    ]),
  );
  const maps = Object.fromEntries(
    Object.entries(o.maps).map(([k, entries]) => [
      k,
      entries.map((e) => ({
        weight: e.weight,
        slots: Object.fromEntries(Object.entries(e.slots).map(([s, shape]) => [s, { shape, values: take() }])),
      })),
    ]),
  );
  const keptWeights = meta.kept?.weights ? { shapes: meta.weightShapes, values: meta.weightShapes.map(take) } : null;
  const order = Int32Array.from(take());
  return {
    epochsDone: meta.epochsDone,
    weights,
    optimizer: { numbers: o.numbers, scalars, lists, maps },
    rng: meta.rng,
    order,
    dropout: meta.dropout,
    kept: meta.kept
      ? { epoch: meta.kept.epoch, accuracy: meta.kept.accuracy, loss: meta.kept.loss, weights: keptWeights }
      : null,
    stale: meta.stale,
    stopped: meta.stopped,
    seconds: meta.seconds,
    images: meta.images,
    trainSeconds: meta.trainSeconds,
  };
}
