import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverModules, moduleFlags, selectModules } from '../../../bench/modules';

describe('benchmark module selection', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evolab-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'browser.ts': 'export async function run() {}\n',
    'long.ts':
      'export const explicitOnly = true;\nexport const needsPreview = false;\nexport async function run() {}\n',
    'node-only.ts': 'export const needsPreview: boolean = false;\nexport const run = async () => {};\n',
    'not-explicit.ts': 'export const explicitOnly = false;\nexport function run() {}\n',
    'helpers.ts': 'export function runParity() {}\n',
    'index.ts': 'export async function run() {}\n',
    'types.ts': 'export type run = 1;\n',
    'kernels.config.ts': 'export function run() {}\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const flags = (n: string): ReturnType<typeof moduleFlags> => moduleFlags(dir, n);

  it('finds the files that export run, and nothing else', () => {
    expect(discoverModules(dir)).toEqual(['browser', 'long', 'node-only', 'not-explicit']);
  });

  it('reads the declared flags, with their defaults', () => {
    expect(flags('browser')).toEqual({ explicitOnly: false, needsPreview: true });
    expect(flags('long')).toEqual({ explicitOnly: true, needsPreview: false });
    expect(flags('node-only')).toEqual({ explicitOnly: false, needsPreview: false });
    expect(flags('not-explicit')).toEqual({ explicitOnly: false, needsPreview: true });
  });

  it('leaves explicit-only modules out of a run without names', () => {
    const s = selectModules(discoverModules(dir), [], flags);
    expect(s.names).toEqual(['browser', 'node-only', 'not-explicit']);
    expect(s.skipped).toEqual(['long']);
    expect(s.needsPreview).toBe(true);
  });

  it('runs an explicit-only module when named, and serves no build when none of the named needs one', () => {
    const s = selectModules(discoverModules(dir), ['long', 'node-only'], flags);
    expect(s).toEqual({ names: ['long', 'node-only'], skipped: [], unknown: [], needsPreview: false });
  });

  it('reports unknown names', () => {
    expect(selectModules(discoverModules(dir), ['nope', 'browser'], flags).unknown).toEqual(['nope']);
  });

  it('keeps the full-data accuracy benchmark out of a plain npm run bench', () => {
    const benchDir = path.resolve(import.meta.dirname, '../../../bench');
    const s = selectModules(discoverModules(benchDir), [], (n) => moduleFlags(benchDir, n));
    expect(s.skipped).toEqual(['accuracy-full']);
    expect(s.names).toContain('accuracy');
    expect(moduleFlags(benchDir, 'accuracy').needsPreview).toBe(false);
  });
});
