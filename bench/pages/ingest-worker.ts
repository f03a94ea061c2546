/**
 * Worker side of the ingest benchmark. Modes:
 * - evolab: src/data parseFer2013 on file.stream() (validation, pixels into one Uint8Array, exact-duplicate removal), as the app's worker does;
 * - papaparse: Papa.parse of the same File in this worker (its FileReader chunks, fast mode), rows counted and dropped;
 * - stream: only reads file.stream() to the end (the floor every parser on this File stands on);
 * - papaparse-pixels: the same, plus what a papaparse user must add to get the images: each pixels string split and stored in a Uint8Array;
 * - evolab-gz-native / evolab-gz-portable: parseFer2013 on a .csv.gz inflated by the browser's DecompressionStream (what the
 *   lab's worker uses) or by fflate in JavaScript (what it used before, and still uses where there is no DecompressionStream).
 */
import Papa from 'papaparse';
import { parseFer2013 } from '../../src/data/fer2013';
import {
  portableInflate,
  streamInflater,
  type DecompressionStreamConstructor,
  type Inflater,
} from '../../src/data/inflate';
import { streamChunks } from '../../src/data/streams';

export type IngestMode =
  | 'evolab'
  | 'stream'
  | 'papaparse'
  | 'papaparse-pixels'
  | 'evolab-gz-native'
  | 'evolab-gz-portable';

export interface IngestResult {
  readonly mode: IngestMode;
  readonly bytes: number;
  /** CSV bytes parsed (after decompression; equal to bytes for a plain file). */
  readonly csvBytes: number;
  readonly seconds: number;
  readonly rows: number;
  /** evolab: rows kept after removing duplicates; papaparse modes: equal to rows. */
  readonly kept: number;
  readonly duplicates: number;
  readonly badCount: number;
}

const post = (m: unknown): void => (globalThis as unknown as { postMessage(m: unknown): void }).postMessage(m);

async function evolab(file: File, mode: IngestMode, inflate?: Inflater): Promise<IngestResult> {
  const t0 = performance.now();
  const r = await parseFer2013(streamChunks(file.stream()), { totalBytes: file.size, name: file.name, inflate });
  const seconds = (performance.now() - t0) / 1000;
  if (!r.ok) throw new Error(r.error);
  return {
    mode,
    bytes: file.size,
    csvBytes: r.report.csvBytes,
    seconds,
    rows: r.report.rows,
    kept: r.report.kept,
    duplicates: r.report.duplicates.rows,
    badCount: r.report.badCount,
  };
}

async function streamOnly(file: File): Promise<IngestResult> {
  const t0 = performance.now();
  let bytes = 0;
  for await (const chunk of streamChunks(file.stream())) bytes += chunk.length;
  const seconds = (performance.now() - t0) / 1000;
  return { mode: 'stream', bytes, csvBytes: bytes, seconds, rows: 0, kept: 0, duplicates: 0, badCount: 0 };
}

function papaparse(file: File, pixels: boolean): Promise<IngestResult> {
  const t0 = performance.now();
  let rows = 0;
  let bad = 0;
  let images = new Uint8Array(pixels ? 2304 * 40_000 : 0);
  return new Promise((resolve, reject) => {
    Papa.parse<string[]>(file, {
      header: false,
      skipEmptyLines: true,
      chunk: (results) => {
        for (const row of results.data) {
          // The header row is row 0 of the first chunk.
          if (rows === 0 && bad === 0 && row[0] === 'emotion') {
            bad = -1;
            continue;
          }
          if (pixels) {
            const px = (row[1] ?? '').split(' ');
            if (px.length !== 2304) bad++;
            const base = rows * 2304;
            if (base + 2304 > images.length) {
              const grown = new Uint8Array(images.length * 2);
              grown.set(images);
              images = grown;
            }
            for (let i = 0; i < 2304; i++) images[base + i] = Number(px[i]);
          }
          rows++;
        }
      },
      complete: () => {
        const seconds = (performance.now() - t0) / 1000;
        const mode: IngestMode = pixels ? 'papaparse-pixels' : 'papaparse';
        resolve({
          mode,
          bytes: file.size,
          csvBytes: file.size,
          seconds,
          rows,
          kept: rows,
          duplicates: 0,
          badCount: Math.max(bad, 0),
        });
      },
      error: (err) => reject(err),
    });
  });
}

addEventListener('message', (e: MessageEvent<{ mode: IngestMode; file: File }>) => {
  const { mode, file } = e.data;
  const native = streamInflater(DecompressionStream as unknown as DecompressionStreamConstructor);
  const job =
    mode === 'evolab'
      ? evolab(file, mode)
      : mode === 'evolab-gz-native'
        ? evolab(file, mode, native)
        : mode === 'evolab-gz-portable'
          ? evolab(file, mode, portableInflate)
          : mode === 'stream'
            ? streamOnly(file)
            : papaparse(file, mode === 'papaparse-pixels');
  job.then(post, (err: unknown) => post({ error: err instanceof Error ? err.message : String(err) }));
});
