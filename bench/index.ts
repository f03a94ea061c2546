/**
 * `npm run bench [-- NAME... | --no-preview]`: runs every benchmark module (bench/NAME.ts exporting `run`, see
 * bench/types.ts), each in its own Node process, with a production build served by `vite preview`, and rewrites
 * BENCHMARKS.md with the machine, date, commit and one section per module. A failing module gets its error in its
 * section. Given NAMEs, only those run and the other sections are kept from the previous BENCHMARKS.md.
 * Two declarations in a module's source change this (bench/types.ts, BenchModuleFlags): `export const explicitOnly =
 * true` keeps it out of a run without NAMEs (it runs only when named; its last section is kept), and `export const
 * needsPreview = false` says it needs no served build, so a run of such modules alone builds nothing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findChromium } from '../scripts/ensure-chromium.mjs';
import { startPreview } from './serve';
import { discoverModules, moduleFlags, selectModules } from './modules';
import type { BenchContext, BenchModule, BenchSection } from './types';

const REPO = path.resolve(import.meta.dirname, '..');
const OUT_DIR = path.join(REPO, 'bench-out');
const BUILD_DIR = 'dist-bench';
const BENCH_FILE = path.join(REPO, 'BENCHMARKS.md');

const log = (m: string): void => {
  process.stderr.write(`bench: ${m}\n`);
};

function tryExec(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function machine(chromiumPath: string): string[] {
  const cpus = os.cpus();
  const commit = tryExec('git', ['rev-parse', 'HEAD']) ?? 'unknown';
  const dirty = (tryExec('git', ['status', '--porcelain']) ?? '') !== '';
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Commit: \`${commit}\`${dirty ? ' (working tree had uncommitted changes)' : ''}`,
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} logical cores`,
    `- RAM: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node: ${process.version}`,
    `- Chromium: ${(chromiumPath && tryExec(chromiumPath, ['--version'])) || 'not found'}`,
  ];
}

/** Sections of an earlier BENCHMARKS.md by module name, to keep those not re-run. */
function previousSections(): Map<string, string> {
  const map = new Map<string, string>();
  if (!existsSync(BENCH_FILE)) return map;
  const text = readFileSync(BENCH_FILE, 'utf8');
  for (const m of text.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)<!-- \/bench:\1 -->/g))
    map.set(m[1] as string, m[2] as string);
  return map;
}

/** Child mode: run one module and write its section as JSON. */
async function runOne(name: string, ctxFile: string, outFile: string): Promise<void> {
  const ctx = {
    ...(JSON.parse(readFileSync(ctxFile, 'utf8')) as Omit<BenchContext, 'log'>),
    log: (m: string) => log(`${name}: ${m}`),
  };
  const mod = (await import(pathToFileURL(path.join(REPO, 'bench', `${name}.ts`)).href)) as BenchModule;
  const section = await mod.run(ctx);
  writeFileSync(outFile, JSON.stringify(section));
}

/** Runs a module in its own process (fresh tfjs state, honest memory figures); failures become an error section. */
function runIsolated(name: string, ctxFile: string): Promise<{ section: BenchSection; seconds: number }> {
  const outFile = path.join(OUT_DIR, `${name}.json`);
  const t0 = performance.now();
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'bench/index.ts'), '--child', name, ctxFile, outFile],
      { cwd: REPO, stdio: ['ignore', 'inherit', 'pipe'] },
    );
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      process.stderr.write(d);
    });
    child.on('exit', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code === 0 && existsSync(outFile)) {
        resolve({ section: JSON.parse(readFileSync(outFile, 'utf8')) as BenchSection, seconds });
        return;
      }
      const last =
        stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('bench: '))
          .slice(-3)
          .join(' / ') || `exit ${code ?? signal}`;
      resolve({
        section: { title: name, markdown: `**This benchmark failed:** ${last}`, data: { error: last } },
        seconds,
      });
    });
  });
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--child') {
    await runOne(argv[1] as string, argv[2] as string, argv[3] as string);
    return 0;
  }
  const benchDir = path.join(REPO, 'bench');
  const all = discoverModules(benchDir);
  const wanted = argv.filter((a) => !a.startsWith('--'));
  const { names, skipped, unknown, needsPreview } = selectModules(all, wanted, (n) => moduleFlags(benchDir, n));
  if (unknown.length) {
    process.stderr.write(`bench: no benchmark module ${unknown.join(', ')} (have: ${all.join(', ')})\n`);
    return 2;
  }
  if (skipped.length) log(`not run unless named: ${skipped.join(', ')}`);
  const noPreview = argv.includes('--no-preview') || !needsPreview;
  mkdirSync(OUT_DIR, { recursive: true });
  const chromiumPath = findChromium() ?? '';
  if (!chromiumPath) log('Chromium not found (browser benchmarks will fail); run node scripts/ensure-chromium.mjs');
  let server: ChildProcess | undefined;
  let baseUrl = '';
  if (!noPreview) {
    const p = await startPreview(REPO, BUILD_DIR, log);
    server = p.server;
    baseUrl = p.url;
    log(`preview at ${baseUrl}`);
  }
  try {
    const ctx: Omit<BenchContext, 'log'> = {
      repoRoot: REPO,
      sharedData: path.resolve(REPO, '../shared/data'),
      chromiumPath,
      baseUrl,
    };
    const ctxFile = path.join(OUT_DIR, 'context.json');
    writeFileSync(ctxFile, JSON.stringify(ctx));
    const kept = previousSections();
    const results = new Map<string, string>();
    const raw: Record<string, unknown> = {};
    for (const name of names) {
      log(`running ${name}`);
      const { section, seconds } = await runIsolated(name, ctxFile);
      raw[name] = section.data;
      results.set(
        name,
        `## ${section.title}\n\n_Module \`bench/${name}.ts\`, ${new Date().toISOString().slice(0, 10)}, ${seconds.toFixed(0)} s._\n\n${section.markdown.trim()}\n`,
      );
      log(`${name} done in ${seconds.toFixed(0)} s`);
    }
    const body: string[] = [];
    for (const name of [...new Set([...all, ...kept.keys()])].sort()) {
      const text = results.get(name) ?? kept.get(name);
      if (text !== undefined) body.push(`<!-- bench:${name} -->\n${text}<!-- /bench:${name} -->`);
    }
    const header = [
      '# Benchmarks',
      '',
      `Written by \`npm run bench\` (bench/index.ts); do not edit by hand.${wanted.length || skipped.length ? ` This run measured: ${names.join(', ')}; other sections are from earlier runs (their dates are in each section).` : ''}`,
      '',
      ...machine(chromiumPath),
      '',
    ];
    writeFileSync(BENCH_FILE, `${header.join('\n')}\n${body.join('\n\n')}\n`);
    writeFileSync(path.join(OUT_DIR, 'results.json'), JSON.stringify(raw, null, 2));
    log(`wrote ${path.relative(REPO, BENCH_FILE)} and bench-out/results.json`);
    return 0;
  } finally {
    server?.kill();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
