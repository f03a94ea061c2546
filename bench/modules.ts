/**
 * Which benchmark modules exist and which a `npm run bench` runs (bench/index.ts). Reads module sources as text, so
 * that choosing never loads tfjs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchModuleFlags } from './types';

/** Modules: bench/*.ts other than index/types/configs whose source exports `run` (vitest benches do not). */
export function discoverModules(benchDir: string): string[] {
  return readdirSync(benchDir)
    .filter(
      (f) =>
        f.endsWith('.ts') && !f.endsWith('.config.ts') && !f.endsWith('.d.ts') && f !== 'index.ts' && f !== 'types.ts',
    )
    .filter((f) =>
      /export\s+(async\s+function\s+run\b|function\s+run\b|const\s+run\b)/.test(
        readFileSync(path.join(benchDir, f), 'utf8'),
      ),
    )
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

/** A module's declared flags (bench/types.ts, BenchModuleFlags), with their defaults. */
export function moduleFlags(benchDir: string, name: string): Required<BenchModuleFlags> {
  const source = readFileSync(path.join(benchDir, `${name}.ts`), 'utf8');
  return {
    explicitOnly: /export\s+const\s+explicitOnly\b[^=\n]*=\s*true\b/.test(source),
    needsPreview: !/export\s+const\s+needsPreview\b[^=\n]*=\s*false\b/.test(source),
  };
}

/** What one `npm run bench` does with its module names. */
export interface BenchSelection {
  /** Modules to run, in order. */
  readonly names: string[];
  /** Explicit-only modules left out because no names were given. */
  readonly skipped: string[];
  /** Named modules that do not exist. */
  readonly unknown: string[];
  /** Whether any module to run needs a served app build. */
  readonly needsPreview: boolean;
}

/** The modules a run with `wanted` names runs: those names, or every module that is not explicit-only. */
export function selectModules(
  all: readonly string[],
  wanted: readonly string[],
  flags: (name: string) => Required<BenchModuleFlags>,
): BenchSelection {
  const unknown = wanted.filter((w) => !all.includes(w));
  const skipped = wanted.length ? [] : all.filter((n) => flags(n).explicitOnly);
  const names = wanted.length ? wanted.filter((w) => all.includes(w)) : all.filter((n) => !skipped.includes(n));
  return { names, skipped, unknown, needsPreview: names.some((n) => flags(n).needsPreview) };
}
