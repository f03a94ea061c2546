/**
 * Decompression for the loader: gzip (a .csv.gz, a .tar.gz) and raw deflate (a ZIP member), as a transform of chunk
 * streams. The host may inject its native decompressor (the browser's and Node's DecompressionStream, many times
 * faster than JavaScript); the portable one (fflate) is the fallback and the reference. src/data names no host API: a
 * native decompressor comes in as a constructor.
 */
import { Gunzip, Inflate } from 'fflate';
import { SourceFault } from './byteReader';
import type { ByteStreamReader } from './streams';
import { streamChunks } from './streams';

/** The compressed formats the loader reads. */
export type CompressionFormat = 'gzip' | 'deflate-raw';

/** Decompresses a chunk stream; errors are thrown as they come (the caller words them). */
export type Inflater = (format: CompressionFormat, input: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * fflate in JavaScript. gzip: every member of a multi-member file, and the size trailer checked (fflate does not, so a
 * truncated download would otherwise pass silently); deflate-raw: one stream, an early end is an error.
 */
export const portableInflate: Inflater = async function* (format, input) {
  const out: Uint8Array[] = [];
  if (format === 'deflate-raw') {
    const inflate = new Inflate((data) => out.push(data));
    for await (const chunk of input) {
      inflate.push(chunk, false);
      yield* out.splice(0);
    }
    inflate.push(new Uint8Array(0), true);
    yield* out.splice(0);
    return;
  }
  let memberOut = 0;
  let bytesIn = 0;
  const tail = new Uint8Array(4);
  const gz = new Gunzip((data) => {
    memberOut += data.length;
    out.push(data);
  });
  // A multi-member gzip stores one size per member; only the last member is checked.
  gz.onmember = () => {
    memberOut = 0;
  };
  for await (const chunk of input) {
    bytesIn += chunk.length;
    if (chunk.length >= 4) tail.set(chunk.subarray(chunk.length - 4));
    else {
      tail.copyWithin(0, chunk.length);
      tail.set(chunk, 4 - chunk.length);
    }
    gz.push(chunk, false);
    yield* out.splice(0);
  }
  gz.push(new Uint8Array(0), true);
  yield* out.splice(0);
  const size =
    ((tail[0] as number) | ((tail[1] as number) << 8) | ((tail[2] as number) << 16) | ((tail[3] as number) << 24)) >>>
    0;
  if (bytesIn < 18 || size !== memberOut >>> 0) throw new Error('it is truncated or corrupt (the size check failed)');
};

/** The writer half of a WritableStream<Uint8Array>, as far as streamInflater needs it. */
export interface ByteStreamWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

/** A DecompressionStream constructor (the browser's, a worker's, Node's), structurally. */
export type DecompressionStreamConstructor = new (format: CompressionFormat) => {
  readonly readable: { getReader(): ByteStreamReader };
  readonly writable: { getWriter(): ByteStreamWriter };
};

/**
 * An Inflater on a native DecompressionStream: the input is written as the output is read, so memory stays at a few
 * chunks. An error of the input itself (a cancel, a truncated archive) wins over the decompressor's own.
 */
export function streamInflater(Decompressor: DecompressionStreamConstructor): Inflater {
  return async function* (format, input) {
    const ds = new Decompressor(format);
    const writer = ds.writable.getWriter();
    let inputError: { error: unknown } | null = null;
    const pump = (async () => {
      try {
        for await (const chunk of input) await writer.write(chunk);
        await writer.close();
      } catch (err) {
        inputError ??= { error: err };
        await writer.abort(err).catch(() => undefined);
      }
    })();
    try {
      yield* streamChunks(ds.readable);
    } catch (err) {
      throw (inputError as { error: unknown } | null)?.error ?? err;
    } finally {
      // Reading stopped early (found what it needed, or failed): the writer is errored by the cancel, so the pump ends.
      await pump;
    }
  };
}

/** `inflate` with its errors worded for a person (what kind of file is broken, and how); errors of the input pass through. */
export async function* inflated(
  inflate: Inflater,
  format: CompressionFormat,
  input: AsyncIterable<Uint8Array>,
  what: string,
): AsyncGenerator<Uint8Array> {
  let inputFailed: { error: unknown } | null = null;
  const watched = async function* (): AsyncGenerator<Uint8Array> {
    try {
      yield* input;
    } catch (err) {
      inputFailed = { error: err };
      throw err;
    }
  };
  try {
    yield* inflate(format, watched());
  } catch (err) {
    const failed = inputFailed as { error: unknown } | null;
    if (failed) throw failed.error;
    throw new SourceFault(format === 'gzip' ? 'gzip' : 'archive', `not a valid ${what}: ${errorText(err)}`);
  }
}
