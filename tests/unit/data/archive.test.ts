/**
 * FER2013 inside the archives people download (issue 16, item 7): a tar, Kaggle's tar.gz, ZIPs with sizes up front or
 * in data descriptors; each loads with the same counts as the bare CSV, with the portable decompressor and with Node's
 * native DecompressionStream (the one the CLI uses; the lab's worker uses the browser's). Archives without a FER2013
 * CSV are refused with a clear message; hostile ones (truncated, huge names, nested archives, random damage) fail
 * cleanly: one message, never an exception.
 */
import { DecompressionStream } from 'node:stream/web';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFer2013, type ParseOptions, type ParseResult } from '../../../src/data/fer2013';
import {
  portableInflate,
  streamInflater,
  type DecompressionStreamConstructor,
  type Inflater,
} from '../../../src/data/inflate';
import { concat, gzip, streamedZipFile, tarFile, tarHeader, zipFile } from '../../helpers/archives';
import { fer2013Fixture } from '../../helpers/fer2013';
import { encode, randomChunks } from '../../helpers/data';

const fixture = fer2013Fixture();
const CSV = encode(fixture.csv);
const nativeInflate = streamInflater(DecompressionStream as unknown as DecompressionStreamConstructor);
const INFLATERS: [string, Inflater][] = [
  ['portable', portableInflate],
  ['native', nativeInflate],
];

async function parse(bytes: Uint8Array, opts: ParseOptions = {}, chunkSeed?: number): Promise<ParseResult> {
  return parseFer2013(chunkSeed === undefined ? [bytes] : randomChunks(bytes, chunkSeed, 3000), opts);
}

/** What must not depend on the container: the dataset and the report's counts. */
function counts(res: ParseResult): unknown {
  if (!res.ok) throw new Error(`expected ok, got: ${res.error}`);
  const { report, dataset } = res;
  return {
    count: dataset.count,
    images: Buffer.from(dataset.images).toString('base64'),
    labels: [...dataset.labels],
    usage: [...dataset.usage],
    rows: report.rows,
    kept: report.kept,
    duplicates: report.duplicates,
    keptPerUsageClass: report.keptPerUsageClass,
    badCount: report.badCount,
    csvBytes: report.csvBytes,
  };
}

const README = 'FER2013: 48x48 faces, 7 emotions.\n';
const KAGGLE_TAR = tarFile([
  { name: 'fer2013/', type: '5' },
  { name: 'fer2013/README', data: README },
  { name: 'fer2013/fer2013.csv', data: CSV },
  { name: 'fer2013/fer2013.bib', data: '@article{fer2013}\n' },
]);

describe('FER2013 inside archives: the same counts as the bare CSV', () => {
  const bare = parse(CSV);

  const archives: [string, Uint8Array, { format: 'tar' | 'zip'; member: string }, boolean][] = [
    ["Kaggle's fer2013.tar.gz", gzip(KAGGLE_TAR), { format: 'tar', member: 'fer2013/fer2013.csv' }, true],
    ['a plain .tar', KAGGLE_TAR, { format: 'tar', member: 'fer2013/fer2013.csv' }, false],
    [
      'a .zip (deflate, sizes up front)',
      zipFile({ 'README.txt': README, 'fer2013.csv': CSV }),
      { format: 'zip', member: 'fer2013.csv' },
      false,
    ],
    [
      'a .zip that stores',
      zipFile({ 'fer2013.csv': CSV, 'README.txt': README }, 0),
      { format: 'zip', member: 'fer2013.csv' },
      false,
    ],
    [
      'a streamed .zip (data descriptors), the CSV found by its header after a text member',
      streamedZipFile({ 'notes.txt': README.repeat(50), 'data/train.csv': CSV }),
      { format: 'zip', member: 'data/train.csv' },
      false,
    ],
    [
      'a streamed .zip that stores',
      streamedZipFile({ 'a.txt': README, 'fer2013.csv': CSV }, true),
      { format: 'zip', member: 'fer2013.csv' },
      false,
    ],
    [
      'a tar with a GNU long name and a pax path',
      tarFile([
        { name: '', type: 'L', data: `${'very-long-folder/'.repeat(10)}fer2013.csv\0` },
        { name: 'short.csv', data: CSV },
      ]),
      { format: 'tar', member: `${'very-long-folder/'.repeat(10)}fer2013.csv` },
      false,
    ],
  ];

  for (const [name, archive, source, gz] of archives) {
    for (const [inflaterName, inflate] of INFLATERS) {
      it(`${name} (${inflaterName} decompressor, uneven chunks)`, async () => {
        const res = await parse(archive, { inflate }, 7);
        expect(counts(res)).toEqual(counts(await bare));
        if (!res.ok) return;
        expect(res.report.archive).toEqual(source);
        expect(res.report.gzip).toBe(gz);
        // The archive is read up to the end of its CSV member, no further.
        expect(res.report.bytesRead).toBeLessThanOrEqual(archive.length);
        expect(fixture.rows).toBe(res.report.rows);
        expect(fixture.kept).toBe(res.report.kept);
      });
    }
  }

  it('a pax path names the member', async () => {
    const pax = '31 path=data/fer2013-faces.csv\n';
    const tar = tarFile([
      { name: 'PaxHeader', type: 'x', data: pax },
      { name: 'x', data: CSV },
    ]);
    const res = await parse(tar);
    expect(res.ok && res.report.archive).toEqual({ format: 'tar', member: 'data/fer2013-faces.csv' });
  });

  it('a bare .csv.gz reads the same with either decompressor', async () => {
    const gz = gzip(CSV);
    const a = await parse(gz, { inflate: portableInflate }, 3);
    const b = await parse(gz, { inflate: nativeInflate }, 3);
    expect(counts(a)).toEqual(counts(await bare));
    expect(counts(b)).toEqual(counts(await bare));
    expect(b.ok && b.report).toMatchObject({ gzip: true, archive: null });
  });
});

describe('archives without a FER2013 CSV are refused with a clear message', () => {
  const refused = async (bytes: Uint8Array, message: RegExp, inflate: Inflater = portableInflate): Promise<string> => {
    const res = await parse(bytes, { inflate });
    expect(res.ok).toBe(false);
    if (res.ok) return '';
    expect(res.error).toMatch(message);
    expect(res.error).not.toContain('\n');
    expect(res.error.length).toBeLessThan(600);
    return res.error;
  };

  it('a ZIP of other files lists what it holds', async () => {
    const msg = await refused(
      zipFile({ 'README.txt': README, 'notes.csv': 'a,b\n1,2\n' }),
      /^no FER2013 CSV in this ZIP archive \(it holds README\.txt, notes\.csv\)/,
    );
    expect(msg).toContain('a member named fer2013.csv or starting with the header emotion,pixels,Usage is needed');
  });

  it('a tar.gz of other files, and an empty tar', async () => {
    for (const [, inflate] of INFLATERS)
      await refused(
        gzip(tarFile([{ name: 'README', data: README }])),
        /^no FER2013 CSV in this tar archive \(it holds README\)/,
        inflate,
      );
    await refused(tarFile([]), /^no FER2013 CSV in this tar archive: it holds no files$/);
  });

  it('an archive inside the archive is named, not opened', async () => {
    await refused(
      zipFile({ 'fer2013.csv.gz': gzip(CSV) }),
      /fer2013\.csv\.gz is an archive inside the archive, which is not opened: extract it/,
    );
    await refused(
      gzip(tarFile([{ name: 'inner.zip', data: zipFile({ 'fer2013.csv': CSV }) }])),
      /inner\.zip is an archive inside the archive/,
    );
    await refused(gzip(gzip(CSV)), /this gzip file holds another gzip file/);
    await refused(gzip(zipFile({ 'fer2013.csv': CSV })), /this gzip file holds a ZIP archive/);
  });

  it('a member in an unknown compression method is listed as such', async () => {
    const zip = zipFile({ 'fer2013.csv': CSV }, 0);
    // Method 12 (bzip2) in the local header: the member cannot be read.
    zip[8] = 12;
    await refused(zip, /it holds fer2013\.csv \(compressed with method 12\)/);
  });
});

describe('hostile archives fail cleanly', () => {
  const failsWith = async (bytes: Uint8Array, message: RegExp): Promise<void> => {
    for (const [, inflate] of INFLATERS) {
      const res = await parse(bytes, { inflate }, 5);
      expect(res.ok, `expected a refusal matching ${String(message)}`).toBe(false);
      if (!res.ok) expect(res.error).toMatch(message);
    }
  };

  it('truncated archives', async () => {
    const tgz = gzip(KAGGLE_TAR);
    await failsWith(tgz.subarray(0, Math.floor(tgz.length / 2)), /^not a valid gzip file/);
    await failsWith(
      KAGGLE_TAR.subarray(0, 512 * 3 + 1000),
      /^not a valid tar archive: it is truncated \(the member fer2013\/fer2013\.csv stops before its \d+ bytes\)/,
    );
    const zip = zipFile({ 'fer2013.csv': CSV });
    await failsWith(zip.subarray(0, Math.floor(zip.length / 2)), /^not a valid ZIP archive/);
    const streamed = streamedZipFile({ 'fer2013.csv': CSV });
    await failsWith(streamed.subarray(0, Math.floor(streamed.length / 2)), /^not a valid ZIP archive/);
    await failsWith(
      zipFile({ 'fer2013.csv': CSV }).subarray(0, 20),
      /^not a valid ZIP archive: it is truncated \(a member header is cut off\)/,
    );
  });

  it('a huge member name or attribute record is refused before it is read', async () => {
    const huge = 64 * 1024 * 1024;
    // Only the header: the 64 MiB name never arrives, and is never waited for.
    await failsWith(
      concat([tarHeader('././@LongLink', huge, 'L'), new Uint8Array(4096)]),
      /^not a usable tar archive: a member's name or attributes take 67,108,864 bytes \(at most 65,536 are read\)$/,
    );
    await failsWith(concat([tarHeader('PaxHeader', 200_000, 'x'), new Uint8Array(4096)]), /take 200,000 bytes/);
    // ZIP names are at most 65,535 bytes: read, and shortened in the message.
    const msg = await parse(zipFile({ [`${'n'.repeat(65_000)}.txt`]: 'x' }));
    expect(msg.ok).toBe(false);
    if (!msg.ok) expect(msg.error.length).toBeLessThan(400);
  });

  it('a corrupt tar header', async () => {
    const tar = KAGGLE_TAR.slice();
    tar[512 + 10] = (tar[512 + 10] as number) ^ 0xff;
    await failsWith(tar, /^not a valid tar archive: the member header at byte 512 is corrupt/);
  });

  it('random damage never throws, and never loads rows that are not in the file', async () => {
    const samples = [
      gzip(KAGGLE_TAR),
      zipFile({ 'fer2013.csv': CSV }),
      streamedZipFile({ 'r.txt': README, 'fer2013.csv': CSV }),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat()),
        fc.boolean(),
        async (which, flips, cut, native) => {
          const original = samples[which] as Uint8Array;
          const bytes = original.slice(0, cut === null ? undefined : cut % original.length);
          for (const [at, v] of flips) if (bytes.length) bytes[at % bytes.length] = v;
          const res = await parse(bytes, { inflate: native ? nativeInflate : portableInflate }, 11);
          if (res.ok) expect(res.report.rows).toBeLessThanOrEqual(fixture.rows);
          else expect(res.error).not.toContain('\n');
        },
      ),
      { numRuns: 60, seed: 16 },
    );
  });
});
