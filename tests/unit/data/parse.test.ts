import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/ga/rng';
import { parseFer2013, type ParseOptions, type ParseResult } from '../../../src/data/fer2013';
import { MAX_BAD_LINES } from '../../../src/data/loadReport';
import { byteChunks, streamChunks } from '../../../src/data/streams';
import { encode, pixelText, randomChunks } from '../../helpers/data';

const HEADER = 'emotion,pixels,Usage';

function csv(lines: string[], eol = '\n'): string {
  return lines.join(eol) + eol;
}

async function parse(input: string | Uint8Array, opts: ParseOptions = {}, chunks?: Uint8Array[]): Promise<ParseResult> {
  const bytes = typeof input === 'string' ? encode(input) : input;
  return parseFer2013(chunks ?? [bytes], opts);
}

async function parseOk(input: string | Uint8Array, opts: ParseOptions = {}) {
  const res = await parse(input, opts);
  if (!res.ok) throw new Error(`expected ok, got: ${res.error}`);
  return res;
}

/** A comparable digest of a result: the whole report plus the dataset arrays. */
function digest(res: ParseResult): unknown {
  if (!res.ok) return res;
  const { dataset, report } = res;
  return {
    report,
    count: dataset.count,
    images: Buffer.from(dataset.images).toString('base64'),
    labels: [...dataset.labels],
    usage: [...dataset.usage],
  };
}

describe('parseFer2013: accepted variants', () => {
  const rows = [`0,${pixelText(1)},Training`, `3,${pixelText(2)},PublicTest`, `6,${pixelText(3)},PrivateTest`];
  const plain = csv([HEADER, ...rows]);

  it('reads a plain file: labels, usage and exact pixels', async () => {
    const { dataset, report } = await parseOk(plain);
    expect(dataset.count).toBe(3);
    expect([...dataset.labels]).toEqual([0, 3, 6]);
    expect([...dataset.usage]).toEqual([0, 1, 2]);
    expect(dataset.images.length).toBe(3 * 2304);
    expect([...dataset.images.subarray(2304, 2304 * 2)].join(' ')).toBe(pixelText(2));
    expect(report).toMatchObject({ rows: 3, kept: 3, badCount: 0, lines: 4, usageSource: 'file', extraColumns: [] });
  });

  it('accepts a BOM, CRLF line ends, quoted fields and trailing blank lines with the same result', async () => {
    const base = digest(await parse(plain));
    const quoted = csv([
      '"emotion","pixels","Usage"',
      ...rows.map((r) =>
        r
          .split(',')
          .map((f) => `"${f}"`)
          .join(','),
      ),
    ]);
    const variants = [
      `\ufeff${plain}`,
      csv([HEADER, ...rows], '\r\n'),
      quoted,
      `${plain}\n\n\r\n  \n`,
      plain.slice(0, -1),
    ];
    for (const v of variants) {
      const d = digest(await parse(v)) as { report: Record<string, unknown> };
      expect({ ...d, report: { ...d.report, lines: 0, csvBytes: 0, bytesRead: 0 } }).toEqual({
        ...(base as object),
        report: { ...(base as { report: object }).report, lines: 0, csvBytes: 0, bytesRead: 0 },
      });
    }
  });

  it('maps reordered columns by name and reports extra columns', async () => {
    const text = csv(['Usage,id,pixels,note,EMOTION', `PublicTest,7,"${pixelText(5)}","a ""quoted"", note",4`]);
    const { dataset, report } = await parseOk(text);
    expect([...dataset.labels]).toEqual([4]);
    expect([...dataset.usage]).toEqual([1]);
    expect([...dataset.images.subarray(0, 2304)].join(' ')).toBe(pixelText(5));
    expect(report.extraColumns).toEqual(['id', 'note']);
  });

  it('splits a file without Usage 80/10/10 at random, the same way for the same seed', async () => {
    const text = csv(['pixels,emotion', ...Array.from({ length: 50 }, (_, i) => `${pixelText(i)},${i % 7}`)]);
    const a = await parseOk(text, { seed: 7 });
    const b = await parseOk(text, { seed: 7 });
    const c = await parseOk(text, { seed: 8 });
    const count = (u: number) => [...a.dataset.usage].filter((x) => x === u).length;
    expect([count(0), count(1), count(2)]).toEqual([40, 5, 5]);
    expect(a.report.usageSource).toBe('random');
    expect(a.report.rowsPerUsageClass).toBeNull();
    expect([...b.dataset.usage]).toEqual([...a.dataset.usage]);
    expect([...c.dataset.usage]).not.toEqual([...a.dataset.usage]);
  });

  it('gives identical results for any chunking, including 1-byte chunks and gzip', async () => {
    const text = `\ufeff${csv([HEADER, ...rows, `9,${pixelText(4)},Training`, `"1","${pixelText(5)}","Training"`, `2,${pixelText(1)},PublicTest`], '\r\n')}\r\n`;
    const bytes = encode(text);
    const whole = digest(await parse(bytes));
    expect(digest(await parse(bytes, {}, [...byteChunks(bytes, 1)]))).toEqual(whole);
    for (const seed of [1, 2, 3])
      expect(digest(await parse(bytes, {}, randomChunks(bytes, seed, 20000)))).toEqual(whole);
    const gz = gzipSync(bytes);
    const viaGz = digest(await parse(gz, {}, randomChunks(gz, 4, 300))) as { report: Record<string, unknown> };
    expect(viaGz.report.gzip).toBe(true);
    expect({ ...viaGz, report: { ...viaGz.report, gzip: false, bytesRead: bytes.length } }).toEqual(whole);
    expect(digest(await parse(gz, {}, [...byteChunks(gz, 1)]))).toEqual(viaGz);
  });

  it('reads a ReadableStream (as from File.stream()) through streamChunks', async () => {
    const res = await parseFer2013(streamChunks(new Blob([plain]).stream()));
    expect(digest(res)).toEqual(digest(await parse(plain)));
  });

  it('reports progress with increasing byte counts up to the total', async () => {
    const bytes = encode(csv([HEADER, ...Array.from({ length: 300 }, (_, i) => `1,${pixelText(i)},Training`)]));
    const seen: number[] = [];
    const res = await parseFer2013(byteChunks(bytes, 4096), {
      totalBytes: bytes.length,
      onProgress: (p) => seen.push(p.bytes),
    });
    expect(res.ok).toBe(true);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(bytes.length);
  });
});

describe('parseFer2013: row validation with line numbers', () => {
  it('skips each kind of bad row and names its line', async () => {
    const good = `0,${pixelText(1)},Training`;
    const lines = [
      HEADER, //                                                       1
      good, //                                                         2
      `7,${pixelText(2)},Training`, //                                 3 label out of range
      `x,${pixelText(3)},Training`, //                                 4 label not an integer
      `1,${pixelText(4).split(' ').slice(1).join(' ')},Training`, //   5 2303 pixels
      `1,${pixelText(5).replace(/^\d+/, '256')},Training`, //          6 pixel > 255
      `1,${pixelText(6).replace(/ \d+ /, ' -1 ')},Training`, //        7 negative pixel
      `1,${pixelText(7).replace(/ \d+ /, ' 1.5 ')},Training`, //       8 not an integer
      `1,${pixelText(8)},Validation`, //                               9 unknown Usage
      `1,"${pixelText(9)},Training`, //                               10 unterminated quote
      `1,${pixelText(10)},Train\u0000ing`, //                          11 binary
      '', //                                                          12 blank: skipped, still counted
      `1,${pixelText(11)}`, //                                        13 missing field
      `1,${pixelText(12)},Training,extra`, //                         14 extra field
      `2,${pixelText(13)},PublicTest`, //                             15 good
    ];
    const bytes = encode(csv(lines));
    // Line 16: invalid UTF-8 (a lone 0xff byte) in the Usage field.
    const bad = encode(`1,${pixelText(14)},Training\n`);
    const tail = new Uint8Array([...bad.subarray(0, bad.length - 3), 0xff, ...bad.subarray(bad.length - 3)]);
    const all = new Uint8Array([...bytes, ...tail, ...encode(`3,${pixelText(15)},PrivateTest\n`)]);
    const res = await parse(all);
    if (!res.ok) throw new Error(res.error);
    expect(res.report.badLines.map((b) => [b.line, b.kind])).toEqual([
      [3, 'label'],
      [4, 'label'],
      [5, 'pixel-count'],
      [6, 'pixel-value'],
      [7, 'pixel-value'],
      [8, 'pixel-value'],
      [9, 'usage'],
      [10, 'quote'],
      [11, 'binary'],
      [13, 'fields'],
      [14, 'fields'],
      [16, 'utf8'],
    ]);
    const reasons = res.report.badLines.map((b) => b.reason);
    expect(reasons[0]).toBe('emotion is "7", not an integer 0..6');
    expect(reasons[2]).toBe('2303 pixels, expected 2304');
    expect(reasons[3]).toBe('pixel 1 is "256", not an integer 0..255');
    expect(reasons[4]).toMatch(/^pixel 2 is "-1", not an integer 0\.\.255$/);
    expect(reasons[5]).toMatch(/^pixel 2 is "1\.5", not an integer 0\.\.255$/);
    expect(reasons[6]).toBe('Usage is "Validation", not Training, PublicTest or PrivateTest');
    expect(reasons[7]).toBe('unterminated quote in field 2');
    expect(reasons[8]).toBe('binary content (byte 0x00)');
    expect(reasons[9]).toBe('2 fields, but the header has 3');
    expect(reasons[11]).toBe('not valid UTF-8 text (byte 0xff)');
    expect(res.report).toMatchObject({ badCount: 12, rows: 3, kept: 3, lines: 17 });
    expect([...res.dataset.labels]).toEqual([0, 2, 3]);
  });

  it('counts every bad row but lists only the first 100', async () => {
    const lines = [
      HEADER,
      `0,${pixelText(0)},Training`,
      ...Array.from({ length: 150 }, () => `9,${pixelText(1)},Training`),
    ];
    const res = await parseOk(csv(lines));
    expect(res.report.badCount).toBe(150);
    expect(res.report.badLines.length).toBe(MAX_BAD_LINES);
    expect(res.report.badLines[99]?.line).toBe(102);
  });

  it('reports a line over 1 MiB once and carries on', async () => {
    const long = `1,${'1 '.repeat(600_000)},Training`;
    const bytes = encode(csv([HEADER, long, `0,${pixelText(0)},Training`]));
    const res = await parse(bytes, {}, randomChunks(bytes, 9, 70_000));
    if (!res.ok) throw new Error(res.error);
    expect(res.report.badLines).toEqual([
      { line: 2, kind: 'too-long', reason: 'line is longer than 1 MiB (binary data?)' },
    ]);
    expect(res.report.kept).toBe(1);
  });
});

describe('parseFer2013: rejected files', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /^the file is empty$/],
    [
      'wrong header',
      encode('label,image\n1,2 3\n'),
      /^not a FER2013 CSV: the header \(line 1\) must name the columns emotion and pixels/,
    ],
    ['duplicate column', encode('emotion,pixels,Emotion\n'), /names the column "Emotion" twice/],
    [
      'PNG',
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      /^not a CSV file: the first line is binary data or not UTF-8 text$/,
    ],
    ['ZIP', new Uint8Array([0x50, 0x4b, 3, 4, 20, 0, 0, 0]), /ZIP archive/],
    ['binary first line', new Uint8Array([1, 2, 3, 0, 10, 1, 2]), /^not a CSV file: the first line is binary data/],
    ['UTF-16', new Uint8Array([0xff, 0xfe, 0x65, 0, 0x6d, 0]), /UTF-16/],
    ['header only', encode(`${HEADER}\n\n`), /^no data rows/],
    [
      'no valid row',
      encode(csv([HEADER, `9,${pixelText(0)},Training`, `1,1 2 3,Training`])),
      /^no valid rows: all 2 data rows were rejected \(first: line 2: emotion is "9"/,
    ],
    [
      'not gzip after all',
      new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]),
      /^not a valid gzip file/,
    ],
    [
      'truncated gzip',
      gzipSync(encode(csv([HEADER, `0,${pixelText(0)},Training`]))).subarray(0, 200),
      /^not a valid gzip file: it is truncated/,
    ],
    ['CR line ends', encode(`${HEADER}\r0,1,Training\r`), /CR only/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`rejects: ${name}`, async () => {
      const res = await parse(bytes);
      expect(res.ok).toBe(false);
      if (!res.ok) {
        expect(res.error).toMatch(message);
        expect(res.error).not.toContain('\n');
      }
    });
  }

  it('stops when the signal is aborted', async () => {
    const signal = { aborted: false };
    const bytes = encode(csv([HEADER, ...Array.from({ length: 20 }, (_, i) => `1,${pixelText(i)},Training`)]));
    let n = 0;
    const res = await parseFer2013(
      (function* () {
        for (const c of byteChunks(bytes, 1000)) {
          if (++n === 5) signal.aborted = true;
          yield c;
        }
      })(),
      { signal },
    );
    expect(res).toMatchObject({ ok: false, cancelled: true, error: 'cancelled' });
    expect(n).toBe(5);
  });

  it('turns a failing source into an error result', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield encode(`${HEADER}\n`);
      throw new Error('disk on fire');
    }
    expect(await parseFer2013(failing())).toEqual({ ok: false, error: 'could not read the file: disk on fire' });
  });

  it('never throws on random bytes', async () => {
    const rng = Rng.fromSeed(42);
    const alphabet = encode(`0123456789 ,"\r\n\tabcTrainingPublicTest`);
    for (let i = 0; i < 300; i++) {
      const n = rng.int(0, 3000);
      const body = new Uint8Array(n);
      for (let k = 0; k < n; k++)
        body[k] = i % 3 === 0 ? rng.int(0, 255) : (alphabet[rng.int(0, alphabet.length - 1)] as number);
      const bytes = i % 2 === 0 ? new Uint8Array([...encode(`${HEADER}\n`), ...body]) : body;
      const res = await parseFer2013(randomChunks(bytes, i, 64));
      expect(typeof res.ok).toBe('boolean');
    }
  });
});

describe('parseFer2013: duplicates', () => {
  it('keeps the first copy, counts groups, and moves a group that touches Training into Training', async () => {
    const text = csv([
      HEADER,
      `1,${pixelText(1)},PublicTest`, // kept; a later Training copy makes it Training
      `1,${pixelText(2)},Training`,
      `2,${pixelText(1)},Training`, // duplicate with another label
      `2,${pixelText(2)},Training`, // duplicate with another label
      `3,${pixelText(3)},PrivateTest`,
      `3,${pixelText(3)},PrivateTest`, // same label, same usage
    ]);
    const { dataset, report } = await parseOk(text);
    expect(report.duplicates).toEqual({ rows: 3, groups: 3, labelConflicts: 2, crossUsage: 1 });
    expect(report).toMatchObject({ rows: 6, kept: 3 });
    expect([...dataset.labels]).toEqual([1, 1, 3]);
    expect([...dataset.usage]).toEqual([0, 0, 2]);
    const all = await parseOk(text, { dedupe: false });
    expect(all.report.kept).toBe(6);
    expect([...all.dataset.usage]).toEqual([1, 0, 0, 0, 2, 2]);
  });
});
