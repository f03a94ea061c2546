/** `npm run evolve` with two objectives: front.md, the exported model of the most accurate member, and --pick (with --final-epochs). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunLog } from '../../../src/experiment/runlog';
import { parseRunLog } from '../../../src/experiment/runlogParser';
import { frontOf } from '../../../src/experiment/report';
import { writeFer2013Fixture } from '../../helpers/fer2013';
import { runCli, tempDir } from '../../helpers/cliRun';

const SMALL = writeFer2013Fixture(tempDir('evolab-fixture-').dir);
const MICRO = [
  '--csv',
  SMALL,
  '--pop',
  '4',
  '--gens',
  '1',
  '--epochs',
  '1',
  '--per-class',
  '3',
  '--max-filters',
  '8',
  '--seed',
  '2',
  '--crossover-rate',
  '0.8',
  '--mutation-rate',
  '0.8',
];

const out = tempDir('evolab-front-').path;
const evolve = (...args: string[]) => runCli('evolve', args);
const readLog = (dir: string): RunLog => parseRunLog(readFileSync(path.join(dir, 'run.json'), 'utf8'));
const modelMeta = (dir: string): { chromosome: unknown } =>
  (
    JSON.parse(readFileSync(path.join(dir, 'model', 'model.json'), 'utf8')) as {
      userDefinedMetadata: { chromosome: unknown };
    }
  ).userDefinedMetadata;

describe('evolve --objectives accuracy,params', () => {
  it('writes front.md, exports the most accurate front member, and --pick exports and tests another', () => {
    const a = evolve(...MICRO, '--objectives', 'accuracy,params', '--out', out('a'));
    expect(a.stderr).toMatch(/evolve: done.*front\.md, model\//);
    expect(a.status).toBe(0);
    const log = readLog(out('a'));
    expect(log.config.objectives).toEqual(['accuracy', 'params']);
    const front = frontOf(log);
    expect(front.length).toBeGreaterThan(0);
    expect(log.best).toMatchObject({ phase: front[0]?.phase, index: front[0]?.index });
    expect(log.best?.chosen).toBeUndefined();
    expect(modelMeta(out('a')).chromosome).toEqual(front[0]?.chromosome);
    const table = readFileSync(out('a/front.md'), 'utf8');
    const rows = table.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(front.length);
    front.forEach((r, i) =>
      expect(rows[i]).toContain(
        `| ${i + 1} | ${r.phase} | ${r.index + 1} | ${((r.fitness ?? 0) * 100).toFixed(2)}% | ${r.params.toLocaleString('en-US')} |`,
      ),
    );
    expect(rows[0]).toMatch(/exported, test \d+\.\d\d%/);
    // Sizes fall as accuracy falls along the front.
    for (let i = 1; i < front.length; i++) expect((front[i]?.params ?? 0) < (front[i - 1]?.params ?? 0)).toBe(true);

    expect(front.length).toBeGreaterThanOrEqual(2);
    const pick = front.length;
    // With --final-epochs the picked member is the one trained again, and its final network is the exported model.
    const b = evolve(
      ...MICRO,
      '--objectives',
      'accuracy,params',
      '--pick',
      String(pick),
      '--final-epochs',
      '1',
      '--out',
      out('b'),
    );
    expect(b.status).toBe(0);
    const picked = readLog(out('b'));
    const member = frontOf(picked)[pick - 1];
    expect(picked.best).toMatchObject({
      phase: member?.phase,
      index: member?.index,
      chosen: true,
      valAccuracy: member?.fitness,
    });
    expect(picked.best?.testAccuracy).toEqual(expect.any(Number));
    expect(picked.final?.chromosome).toEqual(member?.chromosome);
    expect(modelMeta(out('b')).chromosome).toEqual(member?.chromosome);
    expect(
      readFileSync(out('b/front.md'), 'utf8')
        .split('\n')
        .filter((l) => /^\| \d+ \|/.test(l))[pick - 1],
    ).toMatch(/exported \(picked\)/);
  });

  it('refuses --pick without a front, and warns when the front is shorter than the pick', () => {
    const r = evolve(...MICRO, '--pick', '2', '--out', out('c'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--pick chooses from the Pareto front/);
    expect(existsSync(out('c'))).toBe(false);
    const far = evolve(...MICRO, '--objectives', 'accuracy,flops', '--pick', '99', '--out', out('d'));
    expect(far.status).toBe(0);
    expect(far.stderr).toMatch(/--pick 99: the front has \d+ members?; exporting row 1/);
    expect(readLog(out('d')).best?.chosen).toBeUndefined();
  });
});
