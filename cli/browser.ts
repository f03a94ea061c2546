/**
 * `evolve --browser`: the same run in the built lab in headless Chromium, driven like a person would (settings in the
 * address, the CSV through the "FER2013 CSV" picker, Start, the download buttons), so that the lab's backend choice
 * applies and WebGPU trains where the machine has a GPU. Writes the same DIR/run.json, model/, report.md and fitness.svg
 * as Node mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { findChromium } from '../scripts/ensure-chromium.mjs';
import type { RunLog } from '../src/experiment/runlog';
import { parseRunLog } from '../src/experiment/runlogParser';
import type { BackendChoice, BackendName } from '../src/ml/backend';
import { configFromQuery, configToQuery } from '../src/store/settings';
import { BROWSER_BACKENDS, type BrowserOptions } from './args';
import { writeAtomic } from './checkpoint';
import { CliError, doneMessage, EXIT_STOPPED, writeRunFiles } from './outputs';
import { ProgressReporter } from './progress';
import { servePreview } from './preview';

const REPO = path.resolve(import.meta.dirname, '..');
const VITE = path.join(REPO, 'node_modules/vite/bin/vite.js');
/** Everything that goes into the build (vite.config.ts also builds the bench pages). */
const BUILD_INPUTS = ['src', 'bench', 'public', 'index.html', 'vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.base.json'];
const POLL_MS = 500;
/** Without a terminal, the live line is printed at most this often, so a log file of a long run stays readable. */
const PIPE_LINE_MS = 30_000;

/** The lab's query string for these settings; the lab must accept every value, or the run would differ from the command. */
export function labQuery(options: Pick<BrowserOptions, 'config' | 'backend'>): string {
  const q = configToQuery(options.config);
  // The CLI and the lab read one settings schema, so this refuses nothing unless the two drift apart.
  const { errors } = configFromQuery(q);
  if (errors.length > 0) throw new CliError(`the lab does not accept these settings: ${errors[0] ?? ''}`, 2);
  if (options.backend) q.set('backend', options.backend);
  return q.toString();
}

function newestMtime(p: string): number {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** Builds the app into `dist` unless its index.html is newer than every source; built beside it and renamed, so a half build is never served. */
async function ensureBuild(dist: string, say: (m: string) => void): Promise<void> {
  const built = newestMtime(path.join(dist, 'index.html'));
  const sources = Math.max(...BUILD_INPUTS.map((p) => newestMtime(path.join(REPO, p))));
  if (built > sources) return;
  say(`evolve: building the lab into ${path.relative(REPO, dist) || dist} (${built === 0 ? 'no build yet' : 'sources changed'})`);
  const tmp = `${dist}-building-${process.pid}`;
  const t0 = performance.now();
  // Detached: a Ctrl-C in the terminal goes to this process only, which stops the run and closes its children itself.
  const r = await run(process.execPath, [VITE, 'build', '--outDir', tmp, '--emptyOutDir', '--logLevel', 'error']);
  if (r.code !== 0) {
    await rm(tmp, { recursive: true, force: true });
    const line = r.stderr.split('\n').find((l) => /error/i.test(l)) ?? r.stderr.split('\n')[0] ?? '';
    throw new CliError(`building the lab failed: ${line.trim()}`, 1);
  }
  await rm(dist, { recursive: true, force: true });
  await rename(tmp, dist);
  say(`evolve: built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** `vite preview` of the build on a free loopback port (its COOP/COEP headers come from vite.config.ts). */
async function startPreview(dist: string): Promise<{ url: string; server: ChildProcess }> {
  try {
    return await servePreview(REPO, dist, { detached: true });
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), 1);
  }
}

/** Chromium flags (docs BROWSER.md). WebGPU is enabled always so that the lab can pick a hardware adapter where there is one. */
function chromiumArgs(): string[] {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return [
    '--headless=new',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    ...(isRoot ? ['--no-sandbox'] : []),
    // Without these headless Chromium offers no WebGPU adapter; with them it offers the GPU's, or SwiftShader's where there
    // is none (the lab ranks a software adapter below wasm unless --backend webgpu forces it).
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
  ];
}

/** What the lab shows while it runs, read in one go. */
interface PageState {
  readonly status: string;
  readonly evaluated: number;
  readonly candidate: string | null;
  readonly batch: string | null;
}

// A string, not a function: tsx (esbuild keepNames) would wrap inner functions in a __name helper the page lacks.
const READ_STATE = `(() => {
  const text = (sel) => document.querySelector(sel)?.textContent?.trim() ?? null;
  return {
    status: text('[data-testid="run-status"]') ?? '',
    evaluated: Number(document.querySelector('#run-progress')?.getAttribute('value') ?? 0),
    candidate: text('[data-testid="current-candidate"] p'),
    batch: text('[data-testid="batch-progress"]'),
  };
})()`;

function readState(page: Page): Promise<PageState> {
  return page.evaluate<PageState>(READ_STATE);
}

/** Clicks a download button of the lab and returns the file's bytes. */
async function download(page: Page, name: string): Promise<Buffer> {
  const button = page.getByRole('button', { name, exact: true });
  // Another download still preparing disables every button for a moment.
  await button.waitFor({ state: 'visible' });
  for (let i = 0; i < 100 && !(await button.isEnabled()); i++) await page.waitForTimeout(100);
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), button.click()]);
  const file = await dl.path();
  const bytes = await readFile(file);
  await dl.delete();
  return bytes;
}

async function downloadRunLog(page: Page): Promise<RunLog> {
  const bytes = await download(page, 'Download run log');
  return parseRunLog(bytes.toString('utf8'));
}

/** The lab's candidate and batch text in Node mode's words: where (phase i/N candidate j/M), parameters, and the progress line. */
export function liveLine(candidate: string, batch: string | null): { where: string; params: string | null; line: string; training: boolean } | null {
  const c = /^Phase (\d+) of (\d+), candidate (\d+) of (\d+)(?: · ([\d,]+) parameters)?/.exec(candidate);
  if (!c) return null;
  const where = `phase ${c[1]}/${c[2]} candidate ${c[3]}/${c[4]}`;
  const b = batch === null ? null : /^Epoch (\d+)\/(\d+), batch (\d+)\/(\d+) · loss ([\d.]+|NaN).*?· ([\d.]+) img\/s(?: · about (.+) left)?/.exec(batch);
  const params = c[5] ?? null;
  if (!b) return { where, params, line: `${where}: building network`, training: false };
  return { where, params, line: `${where} epoch ${b[1]}/${b[2]} batch ${b[3]}/${b[4]} ${Number(b[6]).toFixed(0)} img/s loss ${b[5]} ETA ${b[7] ?? '?'}`, training: true };
}

/** Waits for the backend badge and returns the lab's choice; a forced backend that the lab could not use is an error. */
async function labBackend(page: Page, wanted: BrowserOptions['backend']): Promise<BackendChoice> {
  const badge = page.getByTestId('backend');
  for (let i = 0; ; i++) {
    const text = (await badge.textContent({ timeout: 60_000 })) ?? '';
    if (!text.includes('choosing')) break;
    if (i > 600) throw new CliError('the lab chose no training backend within 2 minutes', 1);
    await page.waitForTimeout(200);
  }
  const choice = await badge.evaluate((el) => ({
    name: el.querySelector('strong')?.textContent ?? '',
    reason: el.getAttribute('title') ?? el.textContent ?? '',
    software: (el.textContent ?? '').includes('(software emulation)'),
    error: el.classList.contains('error') ? (el.textContent ?? '') : null,
  }));
  if (choice.error !== null) throw new CliError(`the lab found no training backend: ${choice.error.replace(/^Backend: /, '')}`, 1);
  if (!(BROWSER_BACKENDS as readonly string[]).includes(choice.name)) throw new CliError(`the lab reports an unknown backend "${choice.name}"`, 1);
  if (wanted && choice.name !== wanted) throw new CliError(`--backend ${wanted} is not available in this Chromium; the lab chose ${choice.name}: ${choice.reason}`, 1);
  return { name: choice.name as BackendName, reason: choice.reason, software: choice.software };
}

/** Gives the lab the CSV with its picker and waits for the dataset summary (or the lab's error). */
async function loadCsv(page: Page, csv: string, say: (m: string) => void): Promise<void> {
  const t0 = performance.now();
  await page.getByLabel('FER2013 CSV', { exact: true }).setInputFiles(csv);
  const name = path.basename(csv);
  const summary = page.getByTestId('dataset-summary');
  const failure = page.locator('[data-testid="load-error"], .panel [role="alert"]');
  for (;;) {
    if ((await failure.count()) > 0) throw new CliError(`${csv} rejected by the lab: ${((await failure.first().textContent()) ?? '').trim()}`, 1);
    if ((await summary.count()) > 0 && ((await summary.locator('strong').first().textContent()) ?? '') === name) break;
    await page.waitForTimeout(200);
  }
  const head = ((await summary.locator('p').first().textContent()) ?? name).replace(/\s+/g, ' ').trim();
  say(`evolve: ${head} loaded in the lab in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** Runs the search in the lab; returns the exit code (0 done, 130 stopped). */
export async function runInBrowser(options: BrowserOptions): Promise<number> {
  const csv = path.resolve(options.csv);
  try {
    if (!statSync(csv).isFile()) throw new CliError(`${options.csv} is not a file`, 1);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${options.csv}: file not found`, 1);
  }
  const query = labQuery(options);
  const executablePath = findChromium();
  if (!executablePath) {
    throw new CliError('--browser needs Chromium: install Debian\'s "chromium" package (apt-get install chromium, or node scripts/ensure-chromium.mjs as root) or set CHROMIUM_PATH', 1);
  }
  const progress = new ProgressReporter({ isTTY: process.stderr.isTTY === true, columns: process.stderr.columns, write: (t) => process.stderr.write(t) });
  const say = (m: string): void => progress.message(m);
  const dist = path.resolve(REPO, process.env.EVOLAB_CLI_DIST ?? 'dist-cli');

  let server: ChildProcess | null = null;
  let browser: Browser | null = null;
  const cleanUp = (): void => {
    server?.kill();
  };
  process.on('exit', cleanUp);
  let stopAsked = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    // As in Node mode: the first signal stops the run (a duplicate within a second is the same Ctrl-C), a later one quits.
    if (stopAsked !== 0) {
      if (performance.now() - stopAsked < 1000) return;
      void browser?.close().finally(() => process.exit(EXIT_STOPPED));
      setTimeout(() => process.exit(EXIT_STOPPED), 3000).unref();
      return;
    }
    stopAsked = performance.now();
    say(`evolve: ${sig}: stopping the run in the lab (press Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await ensureBuild(dist, say);
    if (stopAsked) return EXIT_STOPPED;
    const preview = await startPreview(dist);
    server = preview.server;
    try {
      // Signals are this process's to handle: it stops the run in the page before the browser closes.
      browser = await chromium.launch({ executablePath, ignoreDefaultArgs: ['--headless'], args: chromiumArgs(), handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
    } catch (e) {
      throw new CliError(`Chromium (${executablePath}) did not start: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`, 1);
    }
    const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    let pageError: string | null = null;
    const warned = new Set<string>();
    // An uncaught page error is shown, not fatal: the run's own failures arrive as "Run failed: …" in the status line.
    page.on('pageerror', (e) => {
      const line = e.message.split('\n')[0] ?? '';
      if (!warned.has(line)) say(`evolve: warning: the lab reported an error: ${line}`);
      warned.add(line);
    });
    page.on('crash', () => (pageError = 'the page crashed (out of memory?)'));
    await page.goto(`${preview.url}?${query}`, { waitUntil: 'domcontentloaded' });
    const backend = await labBackend(page, options.backend);
    say(`evolve: lab at ${preview.url} in ${path.basename(executablePath)}; backend ${backend.name}${backend.software ? ' (software emulation)' : ''}: ${backend.reason}`);
    await loadCsv(page, csv, say);

    const start = page.getByRole('button', { name: 'Start', exact: true });
    for (let i = 0; !(await start.isEnabled()); i++) {
      if (i > 300) throw new CliError(`the lab does not let the run start: ${((await page.locator('#start-why').textContent()) ?? '').trim()}`, 1);
      await page.waitForTimeout(200);
    }
    if (stopAsked) return EXIT_STOPPED;
    await start.click();
    const { config } = options;
    progress.handle({ type: 'run-started', config, phases: config.generations + 1, backend });

    /** Candidates already reported as evaluated: the page may still show the last one as current for a moment. */
    const relayed = new Set<string>();
    const phasesDone = new Set<number>();
    const tty = process.stderr.isTTY === true;
    let lastCandidate = '';
    let lastPipeLine = 0;
    let stopClicked = false;
    let evaluated = 0;
    /** Relays the individuals and phases the lab has finished since the last look, in Node mode's words, and keeps run.json current. */
    const relay = async (): Promise<RunLog> => {
      const log = await downloadRunLog(page);
      for (const p of log.phases) {
        for (const r of p.individuals) {
          const key = `phase ${r.phase + 1}/${config.generations + 1} candidate ${r.index + 1}/${config.populationSize}`;
          if (relayed.has(key)) continue;
          relayed.add(key);
          progress.handle({ type: 'evaluated', ...r });
        }
        if (p.done && !phasesDone.has(p.phase)) {
          phasesDone.add(p.phase);
          progress.handle({ type: 'phase-done', phase: p.phase, best: p.best, mean: p.mean, min: p.min, fitnesses: p.individuals.map((r) => r.fitness), seconds: p.seconds });
        }
      }
      await mkdir(options.out, { recursive: true });
      await writeAtomic(path.join(options.out, 'run.json'), `${JSON.stringify(log, null, 2)}\n`);
      return log;
    };

    let outcome: 'done' | 'stopped';
    for (;;) {
      if (pageError !== null) throw new CliError(`the lab failed: ${pageError}`, 1);
      if (stopAsked && !stopClicked) {
        stopClicked = true;
        await page.getByRole('button', { name: 'Stop', exact: true }).click();
      }
      const state = await readState(page);
      if (state.status === 'Run complete.') {
        outcome = 'done';
        break;
      }
      if (state.status === 'Run stopped.') {
        outcome = 'stopped';
        break;
      }
      if (state.status.startsWith('Run failed')) throw new CliError(`the run failed in the lab: ${state.status.replace(/^Run failed: /, '')}`, 1);
      if (state.evaluated > evaluated) {
        evaluated = state.evaluated;
        await relay();
      }
      const live = state.candidate === null ? null : liveLine(state.candidate, state.batch);
      if (live) {
        const now = performance.now();
        if (live.where !== lastCandidate && !relayed.has(live.where)) {
          lastCandidate = live.where;
          lastPipeLine = now;
          if (!tty && !stopAsked) progress.message(`${live.where}: training (${live.params ?? '?'} parameters)`);
        }
        if (tty && !relayed.has(live.where)) progress.live(live.line);
        else if (live.training && now - lastPipeLine > PIPE_LINE_MS) {
          lastPipeLine = now;
          progress.live(live.line);
        }
      }
      await page.waitForTimeout(POLL_MS);
    }

    const log = await relay();
    if (log.best?.testAccuracy !== null && log.best?.testAccuracy !== undefined) {
      progress.message(`test accuracy of the best network: ${(log.best.testAccuracy * 100).toFixed(2)}% on ${log.best.testCount} images`);
    }
    progress.finish();
    const hasModel = outcome === 'done' && log.best !== null;
    if (hasModel) await writeModel(options.out, await download(page, 'Download model'));
    await writeRunFiles(options.out, log, hasModel);
    if (outcome === 'stopped') {
      say(`evolve: stopped; the lab keeps no checkpoint for the command line, so start again (Node mode can --resume)`);
      return EXIT_STOPPED;
    }
    say(doneMessage(options.out, log, hasModel));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await browser?.close().catch(() => undefined);
    cleanUp();
    process.off('exit', cleanUp);
  }
}

/** Unzips the lab's model download into DIR/model (model.json, weights.bin, evolab.json). */
async function writeModel(out: string, zip: Buffer): Promise<void> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(zip.buffer, zip.byteOffset, zip.byteLength));
  } catch (e) {
    throw new CliError(`the lab's model download is not a zip: ${e instanceof Error ? e.message : String(e)}`, 1);
  }
  if (!files['model.json']) throw new CliError('the lab\'s model download has no model.json', 1);
  const dir = path.join(out, 'model');
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    // Names come from the lab's own zip; refuse anything that would land outside model/.
    if (name !== path.basename(name)) throw new CliError(`the lab's model download holds an unexpected path "${name}"`, 1);
    await writeAtomic(path.join(dir, name), bytes);
  }
}
