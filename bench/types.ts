/** The contract between `npm run bench` (bench/index.ts) and each benchmark module (bench/<name>.ts). */

export interface BenchContext {
  /** Absolute path of the repository. */
  readonly repoRoot: string;
  /** Absolute path of ../shared/data (FER2013 files). */
  readonly sharedData: string;
  /** Chromium binary for browser benchmarks. */
  readonly chromiumPath: string;
  /** Base URL of a `vite preview` of the production build (pages under bench/pages/ are included). */
  readonly baseUrl: string;
  readonly log: (message: string) => void;
}

/** One section of BENCHMARKS.md plus its raw figures. */
export interface BenchSection {
  readonly title: string;
  /** Markdown body: tables with units; hardware-dependent figures also as a ratio to a reference measured in the same run. */
  readonly markdown: string;
  readonly data: Record<string, unknown>;
}

/** What every bench/<name>.ts exports. */
export type BenchModule = { run(ctx: BenchContext): Promise<BenchSection> };

/**
 * Optional declarations of a bench/<name>.ts, as `export const NAME = value;` literals: bench/index.ts reads them from
 * the source text, without importing the module.
 */
export interface BenchModuleFlags {
  /** `true`: runs only when named (`npm run bench -- NAME`), never in a plain `npm run bench`. */
  readonly explicitOnly?: boolean;
  /** `false`: needs no served app build (`ctx.baseUrl` is empty when no module of the run needs one). */
  readonly needsPreview?: boolean;
}
