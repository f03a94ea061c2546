import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fer2013Fixture, realFer2013OrNotice, writeFer2013Fixture } from '../../helpers/fer2013';
import { pixelText } from '../../helpers/data';
import { gzip, tarFile, zipFile } from '../../helpers/archives';

const REPO = path.resolve(import.meta.dirname, '../../..');
const SMALL = realFer2013OrNotice('small', 'inspect on the real small file in tests/unit/cli/data-cli.slow.test.ts');
let dir = '';
let bundle = '';
let fixture = '';

function inspect(...args: string[]) {
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });
}

describe('cli/inspect', () => {
  beforeAll(async () => {
    // Node 20 cannot run TypeScript, so the test runs the same bundle that `npm run inspect` builds.
    dir = mkdtempSync(path.join(tmpdir(), 'evolab-inspect-'));
    bundle = path.join(dir, 'inspect.mjs');
    await build({
      input: path.join(REPO, 'cli/inspect.ts'),
      platform: 'node',
      logLevel: 'silent',
      output: { file: bundle, format: 'esm' },
    });
    fixture = writeFer2013Fixture(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object for a FER2013 file and exits 0', () => {
    const f = fer2013Fixture();
    const res = inspect(fixture, '--json');
    expect(res.status).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout.trim().split('\n')).toHaveLength(1);
    const sum = (rows: number[][], usage: number): number => (rows[usage] ?? []).reduce((a, b) => a + b, 0);
    expect(JSON.parse(res.stdout)).toEqual({
      ok: true,
      archive: null,
      rows: f.rows,
      kept: f.kept,
      duplicates: f.duplicateRows,
      perClass: [0, 1, 2, 3, 4, 5, 6].map((k) => f.keptPerUsageClass.reduce((a, row) => a + (row[k] ?? 0), 0)),
      perUsage: {
        Training: sum(f.keptPerUsageClass, 0),
        PublicTest: sum(f.keptPerUsageClass, 1),
        PrivateTest: sum(f.keptPerUsageClass, 2),
      },
      badCount: 0,
      badLines: [],
      error: null,
    });
  });

  it.skipIf(SMALL === undefined)("prints the real small file's counts", () => {
    const res = inspect(SMALL ?? '', '--json');
    expect(res.status).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(res.stdout)).toEqual({
      ok: true,
      archive: null,
      rows: 1400,
      kept: 1382,
      duplicates: 18,
      perClass: [200, 187, 199, 200, 200, 196, 200],
      perUsage: { Training: 1108, PublicTest: 274, PrivateTest: 0 },
      badCount: 0,
      badLines: [],
      error: null,
    });
  });

  it("reads the CSV inside Kaggle's tar.gz and a zip with the same counts, and names the member", () => {
    const csv = readFileSync(fixture);
    const tgz = path.join(dir, 'fer2013.tar.gz');
    writeFileSync(
      tgz,
      gzip(
        tarFile([
          { name: 'fer2013/', type: '5' },
          { name: 'fer2013/fer2013.csv', data: csv },
          { name: 'fer2013/README', data: 'about\n' },
        ]),
      ),
    );
    const zip = path.join(dir, 'archive.zip');
    writeFileSync(zip, zipFile({ 'fer2013.csv': csv }));
    const bare = JSON.parse(inspect(fixture, '--json').stdout) as Record<string, unknown>;
    for (const [file, archive] of [
      [tgz, { format: 'tar', member: 'fer2013/fer2013.csv' }],
      [zip, { format: 'zip', member: 'fer2013.csv' }],
    ] as const) {
      const res = inspect(file, '--json');
      expect(res.status).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({ ...bare, archive });
    }
    expect(inspect(tgz).stdout).toMatch(
      /^.*fer2013\.tar\.gz: [\d.]+ MB tar\.gz, member fer2013\/fer2013\.csv \([\d.]+ MB CSV\)/,
    );
    const none = path.join(dir, 'none.zip');
    writeFileSync(none, zipFile({ 'notes.txt': 'x' }));
    const refused = inspect(none);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^inspect: .*none\.zip rejected: no FER2013 CSV in this ZIP archive \(it holds notes\.txt\)/,
    );
  });

  it('prints a human summary', () => {
    const f = fer2013Fixture();
    const res = inspect(fixture);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain(`${f.rows} valid, 0 skipped`);
    expect(res.stdout).toContain(`${f.kept} distinct images`);
  });

  it('reports bad rows and rejects an unusable file with exit 1 and one line', () => {
    const mixed = path.join(dir, 'mixed.csv');
    writeFileSync(mixed, `emotion,pixels,Usage\n0,${pixelText(1)},Training\n8,${pixelText(2)},Training\n`);
    const ok = JSON.parse(inspect(mixed, '--json').stdout) as Record<string, unknown>;
    expect(ok).toMatchObject({
      ok: true,
      rows: 1,
      badCount: 1,
      badLines: [{ line: 3, reason: 'emotion is "8", not an integer 0..6' }],
    });

    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'name,score\nada,3\n');
    const human = inspect(bad);
    expect(human.status).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr.trim().split('\n')).toHaveLength(1);
    expect(human.stderr).toMatch(/rejected: not a FER2013 CSV/);
    const json = inspect(bad, '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      rows: 0,
      error: expect.stringMatching(/^not a FER2013 CSV/),
    });
  });

  it('exits 2 on usage errors without a stack trace', () => {
    for (const args of [[], ['--nope', 'x.csv'], [path.join(dir, 'missing.csv')], ['a.csv', 'b.csv']]) {
      const res = inspect(...args);
      expect(res.status).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/^inspect: /);
      expect(res.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
