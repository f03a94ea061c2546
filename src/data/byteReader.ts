/**
 * A pull reader over a stream of byte chunks, for the stages of a load that look ahead (file signatures, archive
 * headers) before passing bytes on: fixed-size reads are copied into one buffer, bulk data passes as views of the
 * chunks it arrived in.
 */

/** Why the bytes cannot be read as a FER2013 CSV: the wrong kind of file (`format`, before any CSV) or a broken gzip, ZIP or tar. */
export class SourceFault extends Error {
  constructor(
    readonly kind: 'format' | 'gzip' | 'archive',
    message: string,
  ) {
    super(message);
    this.name = 'SourceFault';
  }
}

/** Reads a chunk stream on demand; the chunks are not modified. */
export class ByteReader {
  /** Bytes taken from the stream and not yet consumed: `buf[pos, end)`. */
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private end = 0;
  private done = false;
  /** Bytes consumed so far. */
  offset = 0;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Bytes buffered and not consumed. */
  get available(): number {
    return this.end - this.pos;
  }

  /** Buffers at least `n` bytes unless the stream ends first; true when `n` bytes are there. */
  async fill(n: number): Promise<boolean> {
    while (this.end - this.pos < n && !this.done) {
      const { done, value } = await this.it.next();
      if (done) {
        this.done = true;
        break;
      }
      if (value.length === 0) continue;
      if (this.pos === this.end) {
        this.buf = value;
        this.pos = 0;
        this.end = value.length;
        continue;
      }
      const have = this.end - this.pos;
      const grown = new Uint8Array(Math.max(have + value.length, n));
      grown.set(this.buf.subarray(this.pos, this.end));
      grown.set(value, have);
      this.buf = grown;
      this.pos = 0;
      this.end = have + value.length;
    }
    return this.end - this.pos >= n;
  }

  /** A view of the next `n` buffered bytes (fewer when fewer are buffered), valid until the next read. */
  peek(n: number): Uint8Array {
    return this.buf.subarray(this.pos, this.pos + Math.min(n, this.end - this.pos));
  }

  /** Exactly `n` bytes (a view, valid until the next read), or a fault named by `what` when the stream ends first. */
  async read(n: number, what: () => SourceFault): Promise<Uint8Array> {
    if (!(await this.fill(n))) throw what();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  /** The next `n` bytes as chunks (views); a fault named by `what` when the stream ends first. */
  async *take(n: number, what: () => SourceFault): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.pos === this.end && !(await this.fill(1))) throw what();
      const k = Math.min(left, this.end - this.pos);
      const out = this.buf.subarray(this.pos, this.pos + k);
      this.pos += k;
      this.offset += k;
      left -= k;
      yield out;
    }
  }

  /** Skips `n` bytes without handing them out; a fault named by `what` when the stream ends first. */
  async skip(n: number, what: () => SourceFault): Promise<void> {
    for await (const chunk of this.take(n, what)) void chunk;
  }

  /** Everything left, chunk by chunk. */
  async *rest(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.pos === this.end && !(await this.fill(1))) return;
      const out = this.buf.subarray(this.pos, this.end);
      this.offset += out.length;
      this.pos = this.end;
      yield out;
    }
  }

  /** Ends reading early: lets the stream below release what it holds (a file reader, a decompressor). */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.it.return?.();
    }
  }
}
