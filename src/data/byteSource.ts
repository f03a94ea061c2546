/**
 * The first stage of a load: the file's byte chunks turned into CSV bytes. gzip is detected by its magic bytes 1f 8b (or
 * forced), inflated as a stream and checked against its size trailer; ZIP archives and UTF-16 text are refused by name.
 */
import { Gunzip } from 'fflate';

/** Why the bytes are not CSV text: the wrong kind of file (found before any CSV was read), or a broken gzip stream. */
export interface SourceFault {
  readonly kind: 'format' | 'gzip';
  readonly message: string;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Hands the CSV bytes of a file to `out` chunk by chunk; `push` each chunk of the file, then `end`. */
export class CsvByteSource {
  /** True once the file is known to be gzip. */
  gzip = false;
  /** The first bytes, kept until there are 4 to sniff (they may arrive split across tiny chunks); null once sniffed. */
  private head: Uint8Array | null = new Uint8Array(0);
  private gz: Gunzip | null = null;
  /** Bytes the current gzip member inflated to. */
  private memberOut = 0;
  /** The last 4 bytes of the file: gzip's size trailer. */
  private readonly tail = new Uint8Array(4);
  private bytesIn = 0;

  constructor(
    private readonly out: (csv: Uint8Array) => void,
    private readonly forceGzip?: boolean,
  ) {}

  /** Takes the next chunk of the file (not modified); a fault ends the load. Throws only what `out` throws for plain text. */
  push(chunk: Uint8Array): SourceFault | null {
    this.bytesIn += chunk.length;
    try {
      const head = this.head;
      if (!head) {
        this.feed(chunk);
        return null;
      }
      const h: Uint8Array = new Uint8Array(head.length + chunk.length);
      h.set(head);
      h.set(chunk, head.length);
      if (h.length < 4) {
        this.head = h;
        return null;
      }
      this.head = null;
      return this.start(h);
    } catch (err) {
      return this.gzipFault(err);
    }
  }

  /** After the last chunk: starts a file shorter than 4 bytes, and checks gzip's size trailer. */
  end(): SourceFault | null {
    try {
      const head = this.head;
      if (head) {
        this.head = null;
        const fault = this.start(head);
        if (fault) return fault;
      }
      const gz = this.gz;
      if (gz) {
        gz.push(new Uint8Array(0), true);
        const t = this.tail;
        const size = (t[0] as number) | ((t[1] as number) << 8) | ((t[2] as number) << 16) | ((t[3] as number) << 24);
        if (this.bytesIn < 18 || size >>> 0 !== this.memberOut >>> 0) {
          return { kind: 'gzip', message: 'not a valid gzip file: it is truncated or corrupt (the size check failed)' };
        }
      }
      return null;
    } catch (err) {
      return this.gzipFault(err);
    }
  }

  private gzipFault(err: unknown): SourceFault {
    // Without a gzip stream the error came from the CSV stage, which is not a fault of the file's format.
    if (!this.gz) throw err;
    return { kind: 'gzip', message: `not a valid gzip file: ${errorText(err)}` };
  }

  /** Decides plain or gzip from the first bytes `h` and feeds them on. */
  private start(h: Uint8Array): SourceFault | null {
    this.gzip = this.forceGzip ?? (h.length >= 2 && h[0] === 0x1f && h[1] === 0x8b);
    if (!this.gzip) {
      if (h[0] === 0x50 && h[1] === 0x4b && h[2] === 3 && h[3] === 4) {
        return { kind: 'format', message: 'not a CSV file: this is a ZIP archive; extract fer2013.csv from it (or use fer2013.csv.gz)' };
      }
      if ((h[0] === 0xff && h[1] === 0xfe) || (h[0] === 0xfe && h[1] === 0xff)) {
        return { kind: 'format', message: 'not a UTF-8 CSV file: the text is UTF-16; save it as UTF-8' };
      }
    } else {
      const gz = new Gunzip((data) => {
        this.memberOut += data.length;
        this.out(data);
      });
      this.gz = gz;
      // A multi-member gzip stores one size per member; only the last member is checked.
      gz.onmember = () => {
        this.memberOut = 0;
      };
    }
    if (h.length > 0) this.feed(h);
    return null;
  }

  private feed(chunk: Uint8Array): void {
    const gz = this.gz;
    if (!gz) {
      this.out(chunk);
      return;
    }
    // gzip ends with the uncompressed size mod 2^32; fflate does not check it, so a truncated download would pass silently.
    const tail = this.tail;
    if (chunk.length >= 4) tail.set(chunk.subarray(chunk.length - 4));
    else {
      tail.copyWithin(0, chunk.length);
      tail.set(chunk, 4 - chunk.length);
    }
    gz.push(chunk, false);
  }
}
