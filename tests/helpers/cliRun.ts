/** Runs the CLIs as their npm scripts do, and the temporary directories their tests write to. */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** The repository's root, where the CLIs run. */
export const REPO = path.resolve(import.meta.dirname, '../..');

/** The npm scripts that run a CLI in one Node process (`node --import tsx cli/NAME.ts`). */
export type CliScript = 'evolve' | 'train' | 'worker';

const scripts = (
  JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/**
 * Node's arguments for `npm run NAME -- ARGS`, read from package.json so the tests run what people run. In one process,
 * as the scripts run it: the tsx CLI's wrapper process would kill a busy child on SIGINT before it could save.
 */
export function cliArgs(script: CliScript, args: readonly string[]): string[] {
  const [node, ...rest] = (scripts[script] ?? '').split(/\s+/);
  if (node !== 'node' || rest.length === 0)
    throw new Error(`npm script ${script} is not "node ARGS": ${scripts[script]}`);
  return [...rest, ...args];
}

/** What a finished CLI run gave. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run SCRIPT -- ARGS` to completion in this process's thread (the test waits). */
export function runCli(script: CliScript, args: readonly string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(process.execPath, cliArgs(script, args), {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `npm run SCRIPT -- ARGS` in the repository; its stdout and stderr are pipes unless `options` say otherwise. */
export function spawnCli(script: CliScript, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, cliArgs(script, args), { cwd: REPO, ...options });
}

/** Collects a child's stdout and stderr until it exits; `onStderr` sees the whole stderr so far after each chunk. */
export function completion(child: ChildProcess, onStderr?: (stderr: string) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs `npm run SCRIPT -- ARGS` without blocking the test process (which stays responsive while the CLI trains). */
export function runCliAsync(
  script: CliScript,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return completion(spawnCli(script, args, { env: { ...process.env, ...env } }));
}

/** Runs `npm run SCRIPT -- ARGS` and sends it SIGINT (a Ctrl-C) once its stderr matches `when`. */
export async function interruptCli(
  script: CliScript,
  args: readonly string[],
  when: RegExp,
): Promise<CliResult & { readonly interrupted: boolean }> {
  const child = spawnCli(script, args);
  let interrupted = false;
  const result = await completion(child, (stderr) => {
    if (!interrupted && when.test(stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  return { ...result, interrupted };
}

/** A directory made now under the system's temporary directory and removed after the test file's last test. */
export function tempDir(prefix: string): { readonly dir: string; readonly path: (name: string) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, path: (name) => path.join(dir, name) };
}
