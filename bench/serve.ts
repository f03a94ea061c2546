/** Serving the production build for browser benchmarks, and running one benchmark module on its own. */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { servePreview } from '../cli/preview';
import path from 'node:path';
import { findChromium } from '../scripts/ensure-chromium.mjs';
import type { BenchModule, BenchModuleFlags } from './types';

/** Builds the app (bench pages included) into `outDir` and serves it with `vite preview`; the caller kills the server. */
export async function startPreview(
  repoRoot: string,
  outDir: string,
  log: (m: string) => void,
): Promise<{ url: string; server: ChildProcess }> {
  const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
  log(`vite build --outDir ${outDir}`);
  execFileSync(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return servePreview(repoRoot, outDir);
}

/**
 * `npx tsx bench/NAME.ts`: builds into dist-NAME (unless EVOLAB_BENCH_URL names a server, or the module declares
 * `needsPreview = false`), runs, prints the markdown.
 */
export async function runStandalone(
  name: string,
  run: BenchModule['run'],
  flags: BenchModuleFlags = {},
): Promise<void> {
  const repoRoot = path.resolve(import.meta.dirname, '..');
  const log = (m: string): void => void process.stderr.write(`${name}: ${m}\n`);
  let server: ChildProcess | null = null;
  try {
    let baseUrl = process.env.EVOLAB_BENCH_URL ?? '';
    if (!baseUrl && flags.needsPreview !== false) {
      const preview = await startPreview(repoRoot, process.env.EVOLAB_DIST ?? `dist-${name}`, log);
      server = preview.server;
      baseUrl = preview.url;
    }
    const chromiumPath = findChromium() ?? '';
    if (!chromiumPath && flags.needsPreview !== false)
      throw new Error('Chromium not found; run node scripts/ensure-chromium.mjs');
    const section = await run({
      repoRoot,
      sharedData: path.resolve(repoRoot, '../shared/data'),
      chromiumPath,
      baseUrl,
      log,
    });
    process.stdout.write(`## ${section.title}\n\n${section.markdown}\n`);
  } catch (err: unknown) {
    process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    server?.kill();
  }
}
