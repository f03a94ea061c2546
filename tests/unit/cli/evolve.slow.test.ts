/** End-to-end tests of `npm run evolve` (cli/evolve.ts) with micro settings on a generated FER2013-shaped file. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFer2013 } from '../../../src/data/fer2013';
import { makeSplits } from '../../../src/data/splits';
import { evaluate } from '../../../src/ml/evaluate';
import { withoutTimings, type RunLog } from '../../../src/experiment/runlog';
import { parseRunLog } from '../../../src/experiment/runlogParser';
import { useWasm } from '../../helpers/wasm-setup';
import { writeFer2013Fixture } from '../../helpers/fer2013';
import { gzip, tarFile, zipFile } from '../../helpers/archives';
import { interruptCli, runCli, tempDir } from '../../helpers/cliRun';
import { loadExportedModelDir } from '../../helpers/exportedModel';

// A generated FER2013-shaped file (tests/helpers/fer2013.ts), so the test needs no data from outside the repository.
const SMALL = writeFer2013Fixture(tempDir('evolab-fixture-').dir);
// paper-clean exercises the random 80/20 split with a validation part; 3 images per class keeps each training tiny.
const MICRO = [
  '--csv',
  SMALL,
  '--pop',
  '3',
  '--gens',
  '1',
  '--epochs',
  '1',
  '--per-class',
  '3',
  '--max-filters',
  '4',
  '--seed',
  '5',
  '--split',
  'paper-clean',
];

const out = tempDir('evolab-evolve-').path;
const evolve = (...args: string[]) => runCli('evolve', args);

const readLog = (dir: string): RunLog => parseRunLog(readFileSync(path.join(dir, 'run.json'), 'utf8'));

describe('evolve CLI', () => {
  it('gives the same run.json (timings aside) for the same seed, with report, chart and model', () => {
    const a = evolve(...MICRO, '--out', out('a'));
    expect(a.stderr).toMatch(/evolve: done/);
    expect(a.status).toBe(0);
    const b = evolve(...MICRO, '--out', out('b'));
    expect(b.status).toBe(0);
    const logA = readLog(out('a'));
    expect(logA).toMatchObject({
      seed: 5,
      outcome: 'done',
      phasesPlanned: 2,
      backend: { name: 'wasm' },
      dataset: { split: 'paper-clean', train: 21, test: 21 },
    });
    expect(logA.phases).toHaveLength(2);
    expect(logA.phases.every((p) => p.individuals.length === 3)).toBe(true);
    expect(logA.best?.testAccuracy).toEqual(expect.any(Number));
    expect(logA.best?.confusion?.flat().reduce((x, y) => x + y, 0)).toBe(21);
    expect(withoutTimings(readLog(out('b')))).toEqual(withoutTimings(logA));
    expect(readFileSync(out('a/report.md'), 'utf8')).toMatch(
      /Table 2 form[\s\S]*Table 3 form[\s\S]*!\[[^\]]*\]\(fitness\.svg\)[\s\S]*Confusion matrix/,
    );
    expect(readFileSync(out('a/fitness.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    // A finished run leaves no checkpoint behind.
    expect(existsSync(out('a/checkpoint'))).toBe(false);
  });

  it("reads Kaggle's fer2013.tar.gz: the same run as from the CSV; an archive without FER2013 is refused in one line", () => {
    const csv = readFileSync(SMALL);
    const tgz = out('fer2013.tar.gz');
    writeFileSync(
      tgz,
      gzip(
        tarFile([
          { name: 'fer2013/README', data: 'about\n' },
          { name: 'fer2013/fer2013.csv', data: csv },
        ]),
      ),
    );
    const csvRun = MICRO.map((a) => (a === SMALL ? tgz : a));
    const t = evolve(...csvRun, '--out', out('tgz'));
    expect(t.status).toBe(0);
    const fromCsv = withoutTimings(readLog(out('a')));
    const fromTgz = withoutTimings(readLog(out('tgz')));
    expect({ ...fromTgz, dataset: { ...fromTgz.dataset, name: fromCsv.dataset.name } }).toEqual(fromCsv);
    const zip = out('other.zip');
    writeFileSync(zip, zipFile({ 'README.txt': 'about\n' }));
    const refused = evolve('--csv', zip, '--out', out('z'));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `evolve: ${zip} rejected: no FER2013 CSV in this ZIP archive (it holds README.txt): a member named fer2013.csv or starting with the header emotion,pixels,Usage is needed\n`,
    );
  });

  it('stops on SIGINT with a checkpoint, and --resume finishes with the same result', async () => {
    const dir = out('c');
    // After the first candidate is evaluated (and its checkpoint written).
    const stop = await interruptCli('evolve', [...MICRO, '--out', dir], / trained: fitness /);
    expect(stop.interrupted).toBe(true);
    expect(stop.status).toBe(130);
    expect(existsSync(path.join(dir, 'checkpoint/state.json'))).toBe(true);
    const stopped = readLog(dir);
    expect(stopped.outcome).toBe('stopped');
    expect(stopped.best?.testAccuracy ?? null).toBeNull();
    const done = stopped.phases.flatMap((p) => p.individuals).length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(6);

    // Without --resume the unfinished run is protected.
    const again = evolve(...MICRO, '--out', dir);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);

    // Flags given with --resume must repeat the run's settings; the first that differs is named by its flag.
    const changed = evolve('--resume', '--out', dir, '--pop', '4');
    expect(changed.status).toBe(2);
    expect(changed.stderr).toBe(
      'evolve: --resume: the saved run has --pop 3, the arguments give --pop 4; repeat the original command or give only --resume --out DIR (see --help)\n',
    );

    const resumed = evolve('--resume', '--out', dir);
    expect(resumed.stderr).toMatch(/resuming/);
    expect(resumed.status).toBe(0);
    expect(withoutTimings(readLog(dir))).toEqual(withoutTimings(readLog(out('a'))));
    expect(existsSync(path.join(dir, 'checkpoint'))).toBe(false);
  });

  it('with --fidelity halving, Ctrl-C during a later rung keeps the trainings to continue, and --resume continues them to the same run.json', async () => {
    // 3 candidates, eta 3: rungs of 1 and 3 epochs, the best one continues.
    const HALVING = [
      '--csv',
      SMALL,
      '--pop',
      '3',
      '--gens',
      '1',
      '--epochs',
      '3',
      '--per-class',
      '3',
      '--max-filters',
      '4',
      '--seed',
      '5',
      '--split',
      'paper-clean',
      '--fidelity',
      'halving',
    ];
    const ref = evolve(...HALVING, '--out', out('h'));
    expect(ref.status).toBe(0);
    expect(ref.stderr).toMatch(/phase 1\/2: successive halving in 2 rungs of 1, 3 epochs/);
    expect(ref.stderr).toMatch(/phase 1\/2 rung 2\/2: 1 candidate \(\d\) continue to 3 epochs/);
    const refLog = readLog(out('h'));
    expect(refLog.config).toMatchObject({ fidelity: 'halving', eta: 3 });
    expect(refLog.phases[0]?.rungEpochs).toEqual([1, 3]);
    expect(refLog.phases[0]?.individuals.filter((i) => i.epochsTrained === 3)).toHaveLength(1);

    const dir = out('hc');
    // The promoted candidate has started its second rung: stop it there.
    const stop = await interruptCli('evolve', [...HALVING, '--out', dir], /rung 2\/2 \(3 epochs\): training/);
    expect(stop.interrupted).toBe(true);
    expect(stop.status).toBe(130);
    const saved = JSON.parse(readFileSync(path.join(dir, 'checkpoint/state.json'), 'utf8')) as {
      engine: { rung: number };
      continuations?: { file: string }[];
    };
    expect(saved.engine.rung).toBe(1);
    expect(saved.continuations).toHaveLength(1);
    expect(existsSync(path.join(dir, 'checkpoint', saved.continuations?.[0]?.file ?? ''))).toBe(true);

    const resumed = evolve('--resume', '--out', dir);
    expect(resumed.status).toBe(0);
    // The kept training goes on at epoch 2, not from scratch.
    const after = resumed.stderr.slice(resumed.stderr.indexOf('resuming'));
    expect(/ epoch (\d)\/3 /.exec(after)?.[1]).toBe('2');
    expect(withoutTimings(readLog(dir))).toEqual(withoutTimings(refLog));
    expect(existsSync(path.join(dir, 'checkpoint'))).toBe(false);
  });

  it('exports a model that loads with tf.loadLayersModel and reproduces the reported test accuracy', async () => {
    await useWasm();
    const model = await loadExportedModelDir(out('a/model'));
    const parsed = await parseFer2013(createReadStream(SMALL), { seed: 5 });
    if (!parsed.ok) throw new Error(parsed.error);
    const { splits } = makeSplits(parsed.dataset, { mode: 'paper-clean', seed: 5, perClassCap: 3 });
    const evaluation = await evaluate(model, parsed.dataset, splits.test);
    model.dispose();
    const log = readLog(out('a'));
    expect(evaluation.count).toBe(log.best?.testCount);
    expect(evaluation.accuracy).toBe(log.best?.testAccuracy);
    expect(evaluation.confusion).toEqual(log.best?.confusion);
  });

  it('answers bad arguments with one line and exit code 2, a missing file with exit code 1', () => {
    const bad = evolve('--csv', SMALL, '--out', out('x'), '--pop', 'many');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('evolve: --pop must be a whole number, got "many" (see --help)\n');
    const gpu = evolve('--csv', SMALL, '--out', out('x'), '--backend', 'webgpu');
    expect(gpu.status).toBe(2);
    expect(gpu.stderr).toBe(
      'evolve: --backend webgpu needs --browser (in Node the CLI trains on wasm or cpu) (see --help)\n',
    );
    const missing = evolve('--csv', out('nope.csv'), '--out', out('x'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`evolve: ${out('nope.csv')}: file not found\n`);
    const noCheckpoint = evolve('--resume', '--out', out('x'));
    expect(noCheckpoint.status).toBe(1);
    expect(noCheckpoint.stderr.trim().split('\n')).toHaveLength(1);
    expect(evolve('--help').stdout).toMatch(/^usage: npm run evolve/);
  });
});
