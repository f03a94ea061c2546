/** End-to-end tests of `npm run train` (cli/train.ts) with micro settings on a generated FER2013-shaped file. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFinalResult, type FinalResult } from '../../../src/experiment/finalResult';
import { PAPER_BEST, type Chromosome } from '../../../src/ga/chromosome';
import { scoreExport } from '../../helpers/cli';
import { interruptCli, runCli, tempDir } from '../../helpers/cliRun';
import { useWasm } from '../../helpers/wasm-setup';
import { writeFer2013Fixture } from '../../helpers/fer2013';

const CSV = writeFer2013Fixture(tempDir('evolab-fixture-').dir);
/** Three images per class and a small head keep each training to seconds. */
const MICRO = ['--csv', CSV, '--per-class', '3', '--dense-units', '16', '--seed', '5'];
const SMALL: Chromosome = {
  conv: Array.from({ length: 6 }, (_, i) => ({
    filters: 4,
    kernel: 3,
    activation: i % 2 === 0 ? ('relu' as const) : ('elu' as const),
  })),
  optimizer: 'adam',
  learningRate: 0.004,
};

const out = tempDir('evolab-train-').path;
const train = (...args: string[]) => runCli('train', args);
const readResult = (dir: string): FinalResult =>
  parseFinalResult(JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')));

describe('train CLI', () => {
  beforeAll(() => {
    writeFileSync(out('small.json'), JSON.stringify(SMALL));
  });

  it('trains a chromosome file and writes result.json, report.md and a model that reproduces the reported PrivateTest accuracy', async () => {
    const r = train(
      ...MICRO,
      '--chromosome',
      out('small.json'),
      '--epochs',
      '3',
      '--patience',
      '0',
      '--flip',
      '--out',
      out('a'),
    );
    expect(r.stderr).toMatch(/train: done\. validation accuracy [\d.]+%, test accuracy [\d.]+%/);
    expect(r.status).toBe(0);
    // Progress like evolve's: the load, the start, one line per epoch (stderr is a pipe here), the kept epoch.
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(
      /^train: fer2013-fixture\.csv: 210 images loaded in [\d.]+ s; canonical split 21 train \/ 21 val \/ 21 test \(PrivateTest images, never seen by the training\)$/,
    );
    expect(
      lines.filter((l) =>
        /^train: epoch \d\/3 batch 1\/1 \d+ img\/s loss [\d.]+ val loss [\d.]+ val acc [\d.]+% ETA /.test(l),
      ),
    ).toHaveLength(3);
    expect(r.stderr).toContain('train: epoch 3 of 3 kept');

    const result = readResult(out('a'));
    expect(result).toMatchObject({
      chromosome: SMALL,
      seed: 5,
      backend: { name: 'wasm' },
      keptEpoch: 3,
      testCount: 21,
      testIndependent: true,
      config: {
        epochs: 3,
        patience: 0,
        augmentFlip: true,
        batchSize: 32,
        perClass: 3,
        split: 'canonical',
        network: { denseUnits: 16, dropoutConv: 0.25, dropoutDense: 0.5 },
      },
      dataset: { name: 'fer2013-fixture.csv', split: 'canonical', train: 21, val: 21, test: 21 },
    });
    expect(result.epochs.map((e) => Object.keys(e))).toEqual(
      Array.from({ length: 3 }, () => ['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds']),
    );
    expect(result.valAccuracy).toBe(result.epochs[2]?.valAccuracy);
    expect(result.perClassAccuracy).toHaveLength(7);
    expect(result.confusion?.map((row) => row.length)).toEqual([7, 7, 7, 7, 7, 7, 7]);
    expect(result.seconds).toBeGreaterThan(0);
    expect(result.imagesPerSecond).toBeGreaterThan(0);

    const report = readFileSync(out('a/report.md'), 'utf8');
    expect(report).toMatch(
      /^# Evolab training, seed 5\n[\s\S]*Table 2 form[\s\S]*\| 3 \(kept\) \|[\s\S]*Confusion matrix/,
    );

    await useWasm();
    const scored = await scoreExport(out('a/model'), CSV, { mode: 'canonical', seed: 5, perClass: 3 });
    expect(scored.count).toBe(result.testCount);
    expect(scored.accuracy).toBe(result.testAccuracy);
    expect(scored.confusion).toEqual(result.confusion);
    const meta = JSON.parse(readFileSync(out('a/model/model.json'), 'utf8')) as {
      userDefinedMetadata: Record<string, unknown>;
    };
    expect(meta.userDefinedMetadata).toMatchObject({
      chromosome: SMALL,
      testAccuracy: result.testAccuracy,
      final: { epochs: 3, keptEpoch: 3, augmentFlip: true },
    });
  });

  it("trains the paper's Table 2 chromosome with paper-best, and says when the test images are not independent", () => {
    const a = train(...MICRO, '--chromosome', 'paper-best', '--epochs', '1', '--split', 'paper', '--out', out('p1'));
    expect(a.status).toBe(0);
    const result = readResult(out('p1'));
    expect(result.chromosome).toEqual(PAPER_BEST);
    expect(result.params).toBeGreaterThan(100_000);
    // The paper split scores on its validation split: said, in the file and on stderr.
    expect(result.testIndependent).toBe(false);
    expect(a.stderr).toContain("paper split's 20% test set, which is also its validation split");
  });

  it('refuses a bad chromosome file with one line and exit code 1, writing nothing', () => {
    writeFileSync(
      out('bad.json'),
      JSON.stringify({ ...SMALL, conv: SMALL.conv.map((g, i) => (i === 2 ? { ...g, kernel: 12 } : g)) }),
    );
    const bad = train(...MICRO, '--chromosome', out('bad.json'), '--out', out('x'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      `train: ${out('bad.json')} is not a valid chromosome: conv[2].kernel must be an integer from 1 to 9, got 12\n`,
    );
    const missing = train(...MICRO, '--chromosome', out('nope.json'), '--out', out('x'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`train: ${out('nope.json')}: file not found\n`);
    expect(existsSync(out('x'))).toBe(false);
  });

  it("answers a bad flag with evolve's words and exit code 2", () => {
    // Every setting's messages are compared in train-args.test.ts; here the whole command, as a person sees it.
    for (const flag of [
      ['--epochs', '0'],
      ['--split', 'random'],
    ]) {
      const t = train(...MICRO, '--chromosome', 'paper-best', '--out', out('x'), ...flag);
      const e = runCli('evolve', ['--csv', CSV, '--out', out('x'), ...flag]);
      expect(t.status).toBe(2);
      expect(e.status).toBe(2);
      expect(t.stderr).toBe(e.stderr.replace(/^evolve: /, 'train: '));
      expect(t.stderr.trim().split('\n')).toHaveLength(1);
    }
    const help = train('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run train -- --csv FILE --chromosome FILE\.json\|paper-best --out DIR/);
  });

  it('stops on SIGINT with exit code 130 and writes nothing', async () => {
    const dir = out('stopped');
    const stop = await interruptCli(
      'train',
      [...MICRO, '--chromosome', out('small.json'), '--epochs', '200', '--patience', '0', '--out', dir],
      /train: epoch 1\/200/,
    );
    expect(stop.interrupted).toBe(true);
    expect(stop.status).toBe(130);
    expect(stop.stderr).toMatch(/train: SIGINT: stopping within one batch[\s\S]*train: stopped; nothing written\n$/);
    expect(existsSync(path.join(dir, 'result.json'))).toBe(false);
  });
});
