/** Adapters from byte sources to the chunk iterables that parseFer2013 reads; structural types keep src/data free of DOM typings. */

/** Views of `bytes` in `size`-byte chunks (the last may be shorter); no copies, the input is not changed. */
export function* byteChunks(bytes: Uint8Array, size = 1 << 20): Generator<Uint8Array> {
  const step = Math.max(1, Math.floor(size));
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, Math.min(bytes.length, i + step));
}

/** The reader half of a ReadableStream<Uint8Array>, as far as streamChunks needs it. */
export interface ByteStreamReader {
  read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** The chunks of a ReadableStream<Uint8Array> (e.g. `file.stream()`); stopping early cancels the stream so the file is not read to the end. */
export async function* streamChunks(stream: { getReader(): ByteStreamReader }): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      if (value && value.length > 0) yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
