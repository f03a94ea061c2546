/**
 * `evolve --browser`: the same run in the built lab in headless Chromium, so that the lab's backend choice applies and
 * WebGPU trains where the machine has a GPU. The settings go in the address, the CSV through the "FER2013 CSV" picker and
 * Start and Stop are pressed by their names; everything else is read through the lab's typed automation hook
 * (`window.__evolab`, src/app/labHook.ts): its state, the run's events (relayed in Node mode's words), the worker's run
 * log and the model files. Writes the same DIR/run.json, model/, report.md and fitness.svg as Node mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { findChromium } from '../scripts/ensure-chromium.mjs';
import type { RunLog } from '../src/experiment/runlog';
import { duration } from '../src/experiment/format';
import { parseRunLog } from '../src/experiment/runlogParser';
import type { LabHookState } from '../src/app/labHook';
import type { BackendChoice } from '../src/ml/backend';
import { configFromQuery, configToQuery } from '../src/store/settings';
import { BROWSER_BACKENDS, type BrowserOptions } from './args';
import { writeAtomic } from './checkpoint';
import { CliError, doneMessage, EXIT_STOPPED, writeRunFiles } from './outputs';
import { ProgressReporter } from './progress';
import { servePreview } from './preview';

const REPO = path.resolve(import.meta.dirname, '..');
const VITE = path.join(REPO, 'node_modules/vite/bin/vite.js');
/** Everything that goes into the build (vite.config.ts also builds the bench pages). */
const BUILD_INPUTS = [
  'src',
  'bench',
  'public',
  'index.html',
  'vite.config.ts',
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
];
const POLL_MS = 500;

/**
 * The lab's query string for these settings; the lab must accept every value, or the run would differ from the command.
 * `simulate` is the lab's `?simulate=` test hook (tests set it through EVOLAB_LAB_SIMULATE, e.g. crash:1).
 */
export function labQuery(
  options: Pick<BrowserOptions, 'config' | 'backend'>,
  simulate = process.env.EVOLAB_LAB_SIMULATE,
): string {
  const q = configToQuery(options.config);
  // The CLI and the lab read one settings schema, so this refuses nothing unless the two drift apart.
  const { errors } = configFromQuery(q);
  if (errors.length > 0) throw new CliError(`the lab does not accept these settings: ${errors[0] ?? ''}`, 2);
  if (options.backend) q.set('backend', options.backend);
  if (simulate) q.set('simulate', simulate);
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
  say(
    `evolve: building the lab into ${path.relative(REPO, dist) || dist} (${built === 0 ? 'no build yet' : 'sources changed'})`,
  );
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
  say(`evolve: built in ${duration((performance.now() - t0) / 1000)}`);
}

/** `vite preview` of the build on a free loopback port (its COOP/COEP headers come from vite.config.ts). */
async function startPreview(dist: string): Promise<{ url: string; server: ChildProcess }> {
  try {
    return await servePreview(REPO, dist, { detached: true });
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), 1);
  }
}

/** Chromium flags (as playwright.config.ts's). WebGPU is enabled always so that the lab can pick a hardware adapter where there is one. */
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

/** Waits until the lab has installed its automation hook (src/app/labHook.ts). */
async function hookReady(page: Page): Promise<void> {
  try {
    await page.waitForFunction(() => window.__evolab?.version === 1, undefined, { timeout: 60_000, polling: 100 });
  } catch {
    throw new CliError('the lab did not start within a minute (no automation hook)', 1);
  }
}

function labState(page: Page): Promise<LabHookState> {
  return page.evaluate(() => {
    if (!window.__evolab) throw new Error('the lab has no automation hook');
    return window.__evolab.state();
  });
}

/** Polls the lab's state until `done` says it has what is wanted (returns it) or `limitMs` passes (returns null). */
async function waitForState<T>(page: Page, limitMs: number, done: (s: LabHookState) => T | null): Promise<T | null> {
  const until = performance.now() + limitMs;
  for (;;) {
    const found = done(await labState(page));
    if (found !== null) return found;
    if (performance.now() > until) return null;
    await page.waitForTimeout(200);
  }
}

/** Waits for the lab's backend choice; a forced backend that the lab could not use is an error. */
async function labBackend(page: Page, wanted: BrowserOptions['backend']): Promise<BackendChoice> {
  const s = await waitForState(page, 120_000, (st) => (st.backend !== null || st.backendError !== null ? st : null));
  if (!s) throw new CliError('the lab chose no training backend within 2 minutes', 1);
  if (s.backendError !== null || !s.backend)
    throw new CliError(`the lab found no training backend: ${s.backendError ?? 'unknown error'}`, 1);
  const choice = s.backend;
  if (!(BROWSER_BACKENDS as readonly string[]).includes(choice.name))
    throw new CliError(`the lab reports an unknown backend "${choice.name}"`, 1);
  if (wanted && choice.name !== wanted)
    throw new CliError(
      `--backend ${wanted} is not available in this Chromium; the lab chose ${choice.name}: ${choice.reason}`,
      1,
    );
  return choice;
}

/** Gives the lab the CSV with its picker and waits for the dataset (or the lab's reason for rejecting it). */
async function loadCsv(page: Page, csv: string, say: (m: string) => void): Promise<void> {
  const t0 = performance.now();
  await page.getByLabel('FER2013 CSV', { exact: true }).setInputFiles(csv);
  const name = path.basename(csv);
  const s = await waitForState(page, Infinity, (st) =>
    st.datasetError !== null || (!st.datasetBusy && st.dataset?.name === name) ? st : null,
  );
  if (!s?.dataset || s.datasetError !== null)
    throw new CliError(`${csv} rejected by the lab: ${s?.datasetError ?? 'unknown error'}`, 1);
  say(
    `evolve: ${s.dataset.name} · ${s.dataset.count.toLocaleString('en-US')} images loaded in the lab in ${duration((performance.now() - t0) / 1000)}`,
  );
}

/** Writes the model files the lab hands out (base64) into DIR/model: model.json, weights.bin, evolab.json. */
async function writeModel(out: string, files: Record<string, string>): Promise<void> {
  if (!files['model.json']) throw new CliError("the lab's model has no model.json", 1);
  const dir = path.join(out, 'model');
  await mkdir(dir, { recursive: true });
  for (const [name, base64] of Object.entries(files)) {
    // Names come from the lab; refuse anything that would land outside model/.
    if (name !== path.basename(name)) throw new CliError(`the lab's model holds an unexpected path "${name}"`, 1);
    await writeAtomic(path.join(dir, name), Buffer.from(base64, 'base64'));
  }
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
    throw new CliError(
      '--browser needs Chromium: install Debian\'s "chromium" package (apt-get install chromium, or node scripts/ensure-chromium.mjs as root) or set CHROMIUM_PATH',
      1,
    );
  }
  const progress = new ProgressReporter({
    isTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
    write: (t) => process.stderr.write(t),
  });
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
      browser = await chromium.launch({
        executablePath,
        ignoreDefaultArgs: ['--headless'],
        args: chromiumArgs(),
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (e) {
      throw new CliError(
        `Chromium (${executablePath}) did not start: ${(e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''}`,
        1,
      );
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let pageError: string | null = null;
    const warned = new Set<string>();
    // An uncaught page error is shown, not fatal: the run's own failures arrive as the hook's `error` status.
    page.on('pageerror', (e) => {
      const line = e.message.split('\n')[0] ?? '';
      if (!warned.has(line)) say(`evolve: warning: the lab reported an error: ${line}`);
      warned.add(line);
    });
    page.on('crash', () => (pageError = 'the page crashed (out of memory?)'));
    await page.goto(`${preview.url}?${query}`, { waitUntil: 'domcontentloaded' });
    await hookReady(page);
    const backend = await labBackend(page, options.backend);
    say(
      `evolve: lab at ${preview.url} in ${path.basename(executablePath)}; backend ${backend.name}${backend.software ? ' (software emulation)' : ''}: ${backend.reason}`,
    );
    await loadCsv(page, csv, say);

    const blocked = await waitForState(page, 60_000, (st) => (st.startBlocked === null ? '' : null));
    if (blocked === null)
      throw new CliError(`the lab does not let the run start: ${(await labState(page)).startBlocked ?? ''}`, 1);
    if (stopAsked) return EXIT_STOPPED;
    await page.getByRole('button', { name: 'Start', exact: true }).click();

    /** The run log last written to DIR/run.json. */
    let written: RunLog | null = null;
    /** Writes the lab's run log as it stands into DIR/run.json, so a long run's results are on disk as they come. */
    const saveLog = async (): Promise<RunLog> => {
      const log = parseRunLog(await page.evaluate(() => window.__evolab?.runLog() ?? null));
      await mkdir(options.out, { recursive: true });
      await writeAtomic(path.join(options.out, 'run.json'), `${JSON.stringify(log, null, 2)}\n`);
      written = log;
      return log;
    };

    let stopClicked = false;
    let after = 0;
    let outcome: 'done' | 'stopped' | null = null;
    while (outcome === null) {
      if (pageError !== null) throw new CliError(`the lab failed: ${pageError}`, 1);
      if (stopAsked && !stopClicked) {
        stopClicked = true;
        await page.getByRole('button', { name: 'Stop', exact: true }).click();
      }
      // Events and state in one look, so that no event of a finished run is missed.
      const look = await page.evaluate(
        (since) => (window.__evolab ? { batch: window.__evolab.events(since), state: window.__evolab.state() } : null),
        after,
      );
      if (!look) throw new CliError('the lab lost its automation hook (reloaded?)', 1);
      after = look.batch.last;
      let resultsChanged = false;
      // The same events as Node mode, so the same progress output.
      for (const e of look.batch.events) {
        progress.handle(e);
        if (e.type === 'evaluated' || e.type === 'phase-done') resultsChanged = true;
      }
      const { status, runError, workerCrash } = look.state;
      if (status === 'error' && workerCrash !== null) {
        // The run log died with the worker, and the lab's saved copy with this headless browser: run.json is what stays.
        const kept = written as RunLog | null;
        const evaluated = kept ? kept.phases.reduce((n, p) => n + p.individuals.length, 0) : 0;
        const where = kept
          ? `; ${path.join(options.out, 'run.json')} holds the ${evaluated} candidate${evaluated === 1 ? '' : 's'} evaluated before`
          : '';
        throw new CliError(`the lab's training worker crashed: ${workerCrash}${where}`, 1);
      }
      if (status === 'error') throw new CliError(`the run failed in the lab: ${runError ?? 'unknown error'}`, 1);
      if (status === 'done' || status === 'stopped') outcome = status;
      else if (resultsChanged) await saveLog();
      else await page.waitForTimeout(POLL_MS);
    }

    progress.finish();
    const log = await saveLog();
    const hasModel = outcome === 'done' && log.best !== null;
    if (hasModel) await writeModel(options.out, await page.evaluate(() => window.__evolab?.modelFiles() ?? {}));
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
