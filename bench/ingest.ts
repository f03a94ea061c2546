/**
 * FER2013 ingest in headless Chromium, in a Web Worker: the full uncompressed fer2013.csv (301 MB) parsed, validated
 * and deduplicated by src/data's parseFer2013 from a File stream, next to papaparse parsing the same File in the same
 * kind of worker, with the peak heap of each worker sampled over CDP; then the full fer2013.csv.gz as the lab reads it,
 * inflated by the browser's DecompressionStream, against fflate in JavaScript (what the lab used before).
 * Alone: `npx tsx bench/ingest.ts` (builds into dist-ingest and serves it unless EVOLAB_BENCH_URL is given).
 */

import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import { chromium, type CDPSession } from '@playwright/test';
import type { IngestMode, IngestResult } from './pages/ingest-worker';
import { runStandalone } from './serve';
import type { BenchContext, BenchModule, BenchSection } from './types';

/** Size of Kaggle's uncompressed fer2013.csv, which the .gz holds. */
const CSV_BYTES = 301_072_766;
const MB = 1e6;
const MIB = 2 ** 20;
/** Heap sampling period while a worker parses. */
const SAMPLE_MS = 25;

/** The uncompressed CSV in the system temp folder (outside the repo), made once from the .gz with Node's zlib. */
async function uncompressedCsv(sharedData: string, log: (m: string) => void): Promise<string> {
  const dir = path.join(os.tmpdir(), 'evolab-bench');
  const file = path.join(dir, 'fer2013.csv');
  if (existsSync(file) && statSync(file).size === CSV_BYTES) return file;
  mkdirSync(dir, { recursive: true });
  log(`decompressing fer2013.csv.gz to ${file}`);
  const part = `${file}.${process.pid}.part`;
  await pipeline(createReadStream(path.join(sharedData, 'fer2013.csv.gz')), createGunzip(), createWriteStream(part));
  if (statSync(part).size !== CSV_BYTES)
    throw new Error(`decompressed size ${statSync(part).size}, expected ${CSV_BYTES}`);
  renameSync(part, file);
  return file;
}

interface HeapPeak {
  /** Peak V8 heap in use (Runtime.getHeapUsage usedSize). */
  heap: number;
  /** Peak ArrayBuffer backing stores (outside the V8 heap; typed arrays live there). */
  buffers: number;
  /** Peak of heap + backing stores in one sample. */
  total: number;
  samples: number;
}

/**
 * Samples Runtime.getHeapUsage of the page's dedicated workers: the page session auto-attaches to each new worker
 * (non-flattened, so messages go through Target.sendMessageToTarget) and a timer polls the newest one.
 */
class WorkerHeapSampler {
  private worker: string | null = null;
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  peak: HeapPeak = { heap: 0, buffers: 0, total: 0, samples: 0 };

  constructor(private readonly cdp: CDPSession) {
    cdp.on('Target.attachedToTarget', (e) => {
      if (e.targetInfo.type === 'worker') this.worker = e.sessionId;
    });
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const msg = JSON.parse(e.message) as { id?: number; result?: { usedSize: number; backingStorageSize?: number } };
      if (msg.id === undefined || !msg.result || e.sessionId !== this.worker) return;
      const heap = msg.result.usedSize;
      const buffers = msg.result.backingStorageSize ?? 0;
      const p = this.peak;
      this.peak = {
        heap: Math.max(p.heap, heap),
        buffers: Math.max(p.buffers, buffers),
        total: Math.max(p.total, heap + buffers),
        samples: p.samples + 1,
      };
    });
  }

  async attach(): Promise<void> {
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  }

  start(): void {
    this.worker = null;
    this.peak = { heap: 0, buffers: 0, total: 0, samples: 0 };
    this.timer = setInterval(() => {
      if (!this.worker) return;
      const message = JSON.stringify({ id: this.nextId++, method: 'Runtime.getHeapUsage' });
      // The worker may already be gone when the answer would come; that sample is simply lost.
      this.cdp.send('Target.sendMessageToTarget', { sessionId: this.worker, message }).catch(() => undefined);
    }, SAMPLE_MS);
  }

  stop(): HeapPeak {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.peak;
  }
}

interface Measured extends IngestResult {
  readonly mbPerSec: number;
  /** MB of CSV text per second (after decompression). */
  readonly csvMbPerSec: number;
  readonly peak: HeapPeak;
}

const fmt = (n: number, d = 1): string => n.toFixed(d);
const mib = (n: number): string => fmt(n / MIB, 0);

/** Runs the ingest benchmark; see the module comment. */
export async function run(ctx: BenchContext): Promise<BenchSection> {
  const csv = await uncompressedCsv(ctx.sharedData, ctx.log);
  // Other work on this machine slows every row alike; the load says how much to trust the absolute figures.
  const loadAtStart = os.loadavg()[0] ?? 0;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const browser = await chromium.launch({
    executablePath: ctx.chromiumPath,
    ignoreDefaultArgs: ['--headless'],
    args: [
      '--headless=new',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      ...(isRoot ? ['--no-sandbox'] : []),
    ],
  });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => ctx.log(`page error: ${e.message}`));
    await page.goto(new URL('bench/pages/ingest.html', ctx.baseUrl).href);
    await page.waitForFunction(() => typeof window.ingestBench === 'function');
    // A local browser gets the path, not the bytes: the page's File is backed by the file on disk.
    const t0 = performance.now();
    await page.setInputFiles('#file', csv);
    const handoff = (performance.now() - t0) / 1000;
    ctx.log(`file handed to the page in ${fmt(handoff, 2)} s`);
    const cdp = await page.context().newCDPSession(page);
    const sampler = new WorkerHeapSampler(cdp);
    await sampler.attach();

    const measure = async (mode: IngestMode): Promise<Measured> => {
      sampler.start();
      try {
        const r = await page.evaluate((m) => window.ingestBench(m), mode);
        const peak = sampler.stop();
        const m: Measured = {
          ...r,
          mbPerSec: r.bytes / MB / r.seconds,
          csvMbPerSec: r.csvBytes / MB / r.seconds,
          peak,
        };
        ctx.log(
          `${mode}: ${fmt(m.mbPerSec)} MB/s (${fmt(r.seconds, 2)} s), ${r.rows} rows, peak heap ${mib(peak.heap)} MiB + buffers ${mib(peak.buffers)} MiB (${peak.samples} samples)`,
        );
        return m;
      } finally {
        sampler.stop();
      }
    };
    // Ours first and last, so a page-cache or JIT effect would show as a difference between the two.
    const ours1 = await measure('evolab');
    const stream = await measure('stream');
    const papa = await measure('papaparse');
    const papaPx = await measure('papaparse-pixels');
    const ours2 = await measure('evolab');
    const ours = ours1.mbPerSec >= ours2.mbPerSec ? ours1 : ours2;
    // The .csv.gz the lab is given most often: native first and last around the portable one, as above.
    const gzPath = path.join(ctx.sharedData, 'fer2013.csv.gz');
    await page.setInputFiles('#file', gzPath);
    const gzNative1 = await measure('evolab-gz-native');
    const gzPortable = await measure('evolab-gz-portable');
    const gzNative2 = await measure('evolab-gz-native');
    const gzNative = gzNative1.csvMbPerSec >= gzNative2.csvMbPerSec ? gzNative1 : gzNative2;
    const gzRatio = gzNative.csvMbPerSec / gzPortable.csvMbPerSec;
    const ratio = ours.mbPerSec / papa.mbPerSec;
    const ratioPx = ours.mbPerSec / papaPx.mbPerSec;
    const peakHeap = Math.max(ours1.peak.heap, ours2.peak.heap);
    const peakTotal = Math.max(ours1.peak.total, ours2.peak.total);
    const loadAtEnd = os.loadavg()[0] ?? 0;
    const ok = (b: boolean): string => (b ? 'met' : '**missed**');

    const row = (label: string, m: Measured, what: string): string =>
      `| ${label} | ${what} | ${fmt(m.seconds, 2)} | ${fmt(m.mbPerSec)} | ${m.rows.toLocaleString('en')} | ${m.kept.toLocaleString('en')} | ${mib(m.peak.heap)} | ${mib(m.peak.buffers)} | ${mib(m.peak.total)} |`;
    const markdown = [
      `The full uncompressed \`fer2013.csv\` (${fmt(CSV_BYTES / MB)} MB, 35,887 rows) in headless Chromium, each parse in a fresh dedicated Web Worker`,
      `that reads the page's \`File\` (handed over with Playwright's setInputFiles, which gives a local browser the path, so the File is backed by the file on disk; ${fmt(handoff, 2)} s).`,
      'MB/s = file bytes / wall time of the parse in the worker (10^6 bytes). Peak memory: `Runtime.getHeapUsage` of the worker over CDP every',
      `${SAMPLE_MS} ms during the parse: *JS heap* is V8's heap in use; *buffers* are ArrayBuffer backing stores (the image array lives there).`,
      `Load average ${fmt(loadAtStart)} at the start and ${fmt(loadAtEnd)} at the end on ${os.cpus().length} cores: above the core count, other work shares the CPU and the MB/s are low; the ratios between rows measured back to back hold better.`,
      '',
      '| run | what it does | s | MB/s | rows | kept | peak JS heap (MiB) | peak buffers (MiB) | peak heap + buffers (MiB) |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('Evolab parseFer2013, 1st', ours1, 'stream, validate every field, pixels into one Uint8Array, dedupe'),
      row('File stream only (reference)', stream, 'read file.stream() to the end, nothing else'),
      row('papaparse 5.7', papa, 'CSV to arrays of strings (rows counted, dropped)'),
      row('papaparse + pixels', papaPx, 'same, plus `split(" ")` and `Number` of every pixel into a Uint8Array'),
      row('Evolab parseFer2013, 2nd', ours2, 'same as 1st'),
      '',
      `The full \`fer2013.csv.gz\` (${fmt(gzNative.bytes / MB)} MB, the same ${fmt(CSV_BYTES / MB)} MB of CSV inside) parsed the same way; MB/s of CSV = CSV bytes / wall time.`,
      "Before: fflate inflates in JavaScript; after: the browser's own `DecompressionStream` (src/data/inflate.ts streamInflater), what the lab's worker uses.",
      '',
      '| run | what it does | s | MB/s of file | MB/s of CSV | rows | kept | peak JS heap (MiB) | peak buffers (MiB) |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...(
        [
          ['.csv.gz, DecompressionStream, 1st', gzNative1, 'native gzip, then as above'],
          ['.csv.gz, fflate (before)', gzPortable, 'gzip in JavaScript, then as above'],
          ['.csv.gz, DecompressionStream, 2nd', gzNative2, 'same as 1st'],
        ] as const
      ).map(
        ([label, m, what]) =>
          `| ${label} | ${what} | ${fmt(m.seconds, 2)} | ${fmt(m.mbPerSec)} | ${fmt(m.csvMbPerSec)} | ${m.rows.toLocaleString('en')} | ${m.kept.toLocaleString('en')} | ${mib(m.peak.heap)} | ${mib(m.peak.buffers)} |`,
      ),
      '',
      `DecompressionStream against fflate, measured back to back in the same browser: **${fmt(gzRatio, 2)}x** (${fmt(gzNative.csvMbPerSec)} against ${fmt(gzPortable.csvMbPerSec)} MB/s of CSV).`,
      '',
      '| target | measured | |',
      '| --- | --- | --- |',
      `| >= 100 MB/s | ${fmt(ours.mbPerSec)} MB/s (best of 2) | ${ok(ours.mbPerSec >= 100)} |`,
      `| >= 3x papaparse (same File, same kind of worker) | ${fmt(ratio, 2)}x papaparse alone; ${fmt(ratioPx, 2)}x papaparse + pixels | ${ok(ratio >= 3)} |`,
      `| peak JS heap < 250 MB | ${fmt(peakHeap / MB)} MB JS heap; ${fmt(peakTotal / MB)} MB with ArrayBuffers | ${ok(peakHeap < 250 * MB)} (with buffers: ${ok(peakTotal < 250 * MB)}) |`,
      '',
      'papaparse alone only splits lines and commas (fast mode: the file has no quotes) and keeps each 8 KB pixels field as a string; it is',
      'within a small factor of reading the stream at all, so 3x over it would need a parser faster than the File stream itself. Producing what',
      'Evolab produces (the pixels as bytes) takes papaparse several times longer; that ratio is shown next to it.',
      '',
      `Duplicates removed by Evolab: ${ours.duplicates.toLocaleString('en')} rows (${ours.kept.toLocaleString('en')} distinct images kept), bad rows ${ours.badCount}.`,
    ].join('\n');
    return {
      title: 'FER2013 ingest (browser worker)',
      markdown,
      data: {
        loadAtStart,
        loadAtEnd,
        handoffSeconds: handoff,
        runs: [ours1, stream, papa, papaPx, ours2, gzNative1, gzPortable, gzNative2],
        gzCsvMbPerSec: gzNative.csvMbPerSec,
        gzPortableCsvMbPerSec: gzPortable.csvMbPerSec,
        gzRatio,
        mbPerSec: ours.mbPerSec,
        ratioPapaparse: ratio,
        ratioPapaparsePixels: ratioPx,
        peakHeapBytes: peakHeap,
        peakHeapPlusBuffersBytes: peakTotal,
      },
    };
  } finally {
    await browser.close();
  }
}

const _typecheck: BenchModule = { run };
void _typecheck;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void runStandalone('ingest', run);
