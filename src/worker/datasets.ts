/** The dataset in the worker's memory: the synthetic sample or a FER2013 file streamed in, its loader report, its splits. */
import * as Comlink from 'comlink';
import type { Dataset, Splits } from '../data/dataset';
import { parseFer2013, type ParseResult } from '../data/fer2013';
import { portableInflate, streamInflater, type DecompressionStreamConstructor, type Inflater } from '../data/inflate';
import type { LoadReport } from '../data/loadReport';
import { makeSplits, type SplitMode } from '../data/splits';
import { streamChunks } from '../data/streams';
import { syntheticDataset } from '../data/synthetic';
import type { RunConfig } from '../experiment/types';
import type { DatasetDescriptor } from '../persist/types';
import type { DatasetSummary, LoadOutcome, LoadProgress } from './api';
import type { DatasetCache } from './datasetCache';
import type { RunStorage, SampleRecipe } from './storage';
import { datasetSummary } from './summary';

/** The browser's own gzip and deflate (native code, several times faster than fflate), where it has them. */
const nativeInflate: Inflater | null =
  typeof DecompressionStream === 'undefined'
    ? null
    : streamInflater(DecompressionStream as unknown as DecompressionStreamConstructor);

/** Progress reports per second during a file load: enough for a smooth bar without flooding the page. */
const PROGRESS_PER_SEC = 10;

/** One dataset at a time; a load that fails or is cancelled leaves the loaded one in place. */
export class Datasets {
  private data: Dataset | null = null;
  /** The loader's report of the dataset in memory (null for the synthetic sample). */
  private report: LoadReport | null = null;
  /** How the synthetic sample in memory was made (null for a file): a saved run regenerates it on resume. */
  private recipe: SampleRecipe | null = null;
  /** The file load in progress; cancelLoad sets `aborted`, which the parser checks at every chunk. */
  private activeLoad: { aborted: boolean } | null = null;

  constructor(
    private readonly storage: RunStorage,
    private readonly copies: DatasetCache,
  ) {}

  /** The dataset in memory, or null. */
  loaded(): Dataset | null {
    return this.data;
  }

  /** The dataset in memory; throws when there is none. */
  current(): Dataset {
    if (!this.data) throw new Error('load a dataset first');
    return this.data;
  }

  /** The splits a run with these settings trains, selects and tests on. */
  splitsFor(config: RunConfig): Splits {
    return this.splitsOf(this.current(), config);
  }

  /** The splits of `data` for a run with these settings. */
  splitsOf(data: Dataset, config: RunConfig): Splits {
    return makeSplits(data, {
      mode: config.split ?? 'canonical',
      seed: config.seed,
      perClassCap: config.perClass || undefined,
    }).splits;
  }

  /**
   * The data a saved run trained on, for training its best again, without changing the dataset in memory: its sample
   * (drawn again unless it is the one in memory), or the loaded file when it is the run's (checked by SHA-256).
   */
  async dataOf(descriptor: DatasetDescriptor, config: RunConfig): Promise<Dataset> {
    if (descriptor.kind === 'sample') {
      const same =
        this.data?.synthetic === true &&
        this.recipe?.perClass === descriptor.perClass &&
        this.recipe.seed === descriptor.seed;
      return same && this.data ? this.data : syntheticDataset(descriptor.perClass, descriptor.seed);
    }
    if (descriptor.kind === 'imported') {
      throw new Error(
        `an imported run log does not identify its data exactly, so the lab cannot train its best chromosome again; npm run train --chromosome with this run log can (seed ${config.seed})`,
      );
    }
    const problem = await this.storage.mismatch(descriptor, this.data, 'press Train best longer again');
    if (problem || !this.data) throw new Error(problem ?? "load the run's data first");
    return this.data;
  }

  /** How a new run names its data in the history: the sample's recipe, or the file's name, size and SHA-256. */
  describe(): Promise<DatasetDescriptor> {
    const data = this.current();
    return this.storage.describe(data, data.synthetic ? this.recipe : null, this.report?.bytesRead ?? null);
  }

  /** Keeps a copy of a file's data for resumes (the sample is regenerated instead); the descriptor says when it was not kept. */
  async keepCopy(descriptor: DatasetDescriptor): Promise<DatasetDescriptor> {
    if (descriptor.kind !== 'file') return descriptor;
    const notKept = await this.copies.keep(this.current(), descriptor.sha256, this.report);
    return notKept === null ? descriptor : { ...descriptor, notKept };
  }

  /** Null when the data in memory is the data a saved run used; otherwise what the person must do. */
  mismatch(expected: DatasetDescriptor): Promise<string | null> {
    return this.storage.mismatch(expected, this.data);
  }

  /** Generates the built-in synthetic sample. */
  loadSample(perClass: number, seed: number): DatasetSummary {
    this.useSample({ perClass, seed });
    return this.summary('canonical', seed);
  }

  /** Streams a FER2013 CSV from `file`; a second load supersedes the first, which ends as cancelled. */
  async loadFile(
    file: File,
    onProgress: (p: LoadProgress) => void,
    split?: { mode: SplitMode; seed: number },
  ): Promise<LoadOutcome> {
    if (this.activeLoad) this.activeLoad.aborted = true;
    const signal = { aborted: false };
    this.activeLoad = signal;
    const started = performance.now();
    let lastSent = -Infinity;
    const report = (p: { bytes: number; rows: number; badRows: number }, force: boolean): void => {
      const now = performance.now();
      if (!force && now - lastSent < 1000 / PROGRESS_PER_SEC) return;
      lastSent = now;
      const seconds = Math.max((now - started) / 1000, 1e-3);
      onProgress({
        bytes: p.bytes,
        totalBytes: file.size,
        rows: p.rows,
        badRows: p.badRows,
        mbPerSec: p.bytes / 1e6 / seconds,
      });
    };
    report({ bytes: 0, rows: 0, badRows: 0 }, true);
    try {
      const parse = (inflate: Inflater): Promise<ParseResult> =>
        parseFer2013(streamChunks(file.stream()), {
          totalBytes: file.size,
          onProgress: (p) => report(p, false),
          signal,
          name: file.name,
          seed: split?.seed ?? 0,
          inflate,
        });
      let result = await parse(nativeInflate ?? portableInflate);
      // The browser's gzip reads one member; a multi-member file (bgzip, concatenated .gz) fails there and reads in fflate.
      if (!result.ok && nativeInflate && !result.cancelled && result.error.startsWith('not a valid gzip file'))
        result = await parse(portableInflate);
      const seconds = (performance.now() - started) / 1000;
      if (!result.ok) {
        const badLines = (result.report?.badLines ?? []).map(({ line, reason }) => ({ line, reason }));
        return {
          ok: false,
          cancelled: result.cancelled === true,
          error: result.error,
          badCount: result.report?.badCount ?? 0,
          badLines,
        };
      }
      report({ bytes: file.size, rows: result.report.rows, badRows: result.report.badCount }, true);
      this.data = result.dataset;
      this.report = result.report;
      this.recipe = null;
      return { ok: true, summary: this.summary(split?.mode ?? 'canonical', split?.seed ?? 0), seconds };
    } finally {
      if (this.activeLoad === signal) this.activeLoad = null;
    }
  }

  /** Cancels the file load in progress (at its next chunk). */
  cancelLoad(): void {
    if (this.activeLoad) this.activeLoad.aborted = true;
  }

  /** The summary of the dataset in memory split by `mode`. */
  setSplit(mode: SplitMode, seed: number, perClassCap?: number): DatasetSummary {
    this.current();
    return this.summary(mode, seed, perClassCap);
  }

  /**
   * Brings back the data of a saved run: regenerates its sample, or uses the loaded file when it is the run's, else the
   * copy kept in this browser (checked by its SHA-256 too).
   */
  async restore(descriptor: DatasetDescriptor, config: RunConfig): Promise<DatasetSummary> {
    if (descriptor.kind === 'sample') {
      this.useSample(descriptor);
      return this.summary(config.split ?? 'canonical', descriptor.seed);
    }
    const problem = await this.mismatch(descriptor);
    if (problem) {
      const copy = descriptor.kind === 'file' ? await this.copies.load(descriptor.sha256) : null;
      if (!copy || (await this.storage.mismatch(descriptor, copy.data)) !== null) throw new Error(problem);
      this.data = copy.data;
      this.report = copy.report;
      this.recipe = null;
    }
    if (!this.data) throw new Error("load the run's data first");
    return this.summary(config.split ?? 'canonical', config.seed);
  }

  private useSample(recipe: SampleRecipe): void {
    this.data = syntheticDataset(recipe.perClass, recipe.seed);
    this.report = null;
    this.recipe = { perClass: recipe.perClass, seed: recipe.seed };
  }

  /** A summary of the dataset in memory split by `mode`, with its sample faces marked for transfer. */
  private summary(mode: SplitMode, seed: number, perClassCap?: number): DatasetSummary {
    const data = this.current();
    const split = makeSplits(data, { mode, seed, perClassCap: perClassCap || undefined });
    const summary = datasetSummary(data, split, seed, this.report ?? undefined);
    return Comlink.transfer(
      summary,
      summary.samples.flat().map((s) => s.buffer as ArrayBuffer),
    );
  }
}
