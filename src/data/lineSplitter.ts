/**
 * The second stage of a load: CSV bytes cut into lines across chunk boundaries. A record never spans lines (no FER2013
 * field can hold a line break), so a line feed always ends a record. A line longer than its limit is reported once and
 * dropped up to its line feed, so a binary file cannot make the loader buffer it whole.
 */

const CR = 13;
const LF = 10;

/** Where the lines go. */
export interface LineSink {
  /** One line without its line end (LF, CRLF): bytes [start, end) of `buf`, valid during the call only; `line` is 1-based. */
  line(buf: Uint8Array, start: number, end: number, line: number): void;
  /** Line `line` is longer than maxLength(): its bytes are dropped. */
  tooLong(line: number): void;
  /** The longest line accepted now (the header may have a lower limit than the rows). */
  maxLength(): number;
  /** True once the load has failed: the rest of the input is ignored. */
  stopped(): boolean;
}

/** Incremental line splitter; a partial line waits in a carry buffer that grows geometrically. */
export class LineSplitter {
  /** Lines seen so far, including blank and over-long ones. */
  lines = 0;
  /** CSV bytes taken so far. */
  bytes = 0;
  private carry = new Uint8Array(1 << 14);
  private carryLen = 0;
  /** Inside an over-long line that was already reported; bytes are dropped until its line feed. */
  private skipping = false;

  constructor(private readonly sink: LineSink) {}

  /** Takes one chunk of CSV bytes (not modified). */
  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.sink.stopped()) return;
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) {
        if (!this.skipping) this.appendCarry(chunk, pos, n);
        return;
      }
      if (this.skipping) {
        this.skipping = false;
      } else if (this.carryLen > 0) {
        this.appendCarry(chunk, pos, nl);
        if (this.skipping) this.skipping = false;
        else this.emit(this.carry, 0, this.carryLen);
        this.carryLen = 0;
      } else if (nl - pos > this.sink.maxLength()) {
        this.tooLong();
      } else {
        this.emit(chunk, pos, nl);
      }
      pos = nl + 1;
    }
  }

  /** Emits a last line that has no line feed. */
  finish(): void {
    if (this.sink.stopped()) return;
    if (!this.skipping && this.carryLen > 0) this.emit(this.carry, 0, this.carryLen);
    this.carryLen = 0;
  }

  private emit(buf: Uint8Array, s: number, e: number): void {
    this.lines++;
    if (e > s && buf[e - 1] === CR) e--;
    this.sink.line(buf, s, e, this.lines);
  }

  private tooLong(): void {
    this.lines++;
    this.sink.tooLong(this.lines);
  }

  private appendCarry(src: Uint8Array, a: number, b: number): void {
    const need = this.carryLen + (b - a);
    if (need > this.sink.maxLength()) {
      this.tooLong();
      this.skipping = true;
      this.carryLen = 0;
      return;
    }
    if (need > this.carry.length) {
      const grown = new Uint8Array(Math.max(need, this.carry.length * 2));
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
    }
    this.carry.set(src.subarray(a, b), this.carryLen);
    this.carryLen = need;
  }
}
