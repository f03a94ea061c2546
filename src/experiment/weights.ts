/** A model's weight arrays as one little-endian float32 buffer and back: how checkpoints store them (IndexedDB and disk). */

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
  if (buffer.byteLength % 4 !== 0) throw new Error(`saved weights are ${buffer.byteLength} bytes, not a whole number of float32 values`);
  const floats = new Float32Array(buffer);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== floats.length) throw new Error(`saved weights hold ${floats.length} values but their shapes need ${total}`);
  let at = 0;
  return sizes.map((n) => floats.slice(at, (at += n)));
}
