/** `npm run evolve -- --final-epochs N`: the search, then its best chromosome trained again; run.json `final`, the exported model, resume. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutTimings, type RunLog } from '../../../src/experiment/runlog';
import { parseRunLog } from '../../../src/experiment/runlogParser';
import { scoreExport } from '../../helpers/cli';
import { interruptCli, runCli, tempDir } from '../../helpers/cliRun';
import { useWasm } from '../../helpers/wasm-setup';
import { writeFer2013Fixture } from '../../helpers/fer2013';

const CSV = writeFer2013Fixture(tempDir('evolab-fixture-').dir);
// Patience off, so the final training runs all its epochs (room for a Ctrl-C in the middle).
const MICRO = [
  '--csv',
  CSV,
  '--pop',
  '2',
  '--gens',
  '1',
  '--epochs',
  '1',
  '--per-class',
  '3',
  '--max-filters',
  '4',
  '--dense-units',
  '16',
  '--patience',
  '0',
  '--seed',
  '5',
];
const FINAL_EPOCHS = 8;

const out = tempDir('evolab-final-').path;
const readLog = (dir: string): RunLog => parseRunLog(readFileSync(path.join(dir, 'run.json'), 'utf8'));

const evolve = (...args: string[]) => runCli('evolve', args);

describe('evolve --final-epochs', () => {
  it('trains the best chromosome again, reports both, and exports the final network', async () => {
    const r = evolve(...MICRO, '--final-epochs', String(FINAL_EPOCHS), '--out', out('a'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/final training: up to 8 epochs, batch 32, patience off, flip off/);
    expect(r.stderr.split('\n').filter((l) => /^final training: epoch \d\/8 /.test(l))).toHaveLength(FINAL_EPOCHS);
    expect(r.stderr).toMatch(
      /evolve: done\. best validation accuracy [\d.]+%, test accuracy [\d.]+%; final network \(8 epochs\): validation [\d.]+%, test [\d.]+%; wrote .*model\/ \(the final network\)/,
    );

    const log = readLog(out('a'));
    const final = log.final;
    expect(final).toBeDefined();
    if (!final || !log.best) return;
    expect(final.chromosome).toEqual(log.best.chromosome);
    expect(final).toMatchObject({
      seed: 5,
      keptEpoch: FINAL_EPOCHS,
      testCount: 21,
      testIndependent: true,
      dataset: log.dataset,
    });
    expect(final.config).toEqual({
      epochs: FINAL_EPOCHS,
      batchSize: 32,
      patience: 0,
      augmentFlip: false,
      perClass: 3,
      split: 'canonical',
      network: log.config.network,
    });
    expect(final.epochs).toHaveLength(FINAL_EPOCHS);
    // The same start as the search's training of that chromosome: its first epoch is the search's only one.
    expect(final.epochs[0]?.valAccuracy).toBe(log.best.valAccuracy);

    const report = readFileSync(out('a/report.md'), 'utf8');
    expect(report).toMatch(/## Test set[\s\S]*## Final training of the best chromosome[\s\S]*\| test accuracy \|/);
    expect(report).toContain('The final network is saved in `model/`');

    await useWasm();
    const scored = await scoreExport(out('a/model'), CSV, { mode: 'canonical', seed: 5, perClass: 3 });
    expect(scored.accuracy).toBe(final.testAccuracy);
    expect(scored.confusion).toEqual(final.confusion);
    const meta = JSON.parse(readFileSync(out('a/model/model.json'), 'utf8')) as {
      userDefinedMetadata: Record<string, unknown>;
    };
    expect(meta.userDefinedMetadata).toMatchObject({
      testAccuracy: final.testAccuracy,
      final: { epochs: FINAL_EPOCHS, keptEpoch: FINAL_EPOCHS },
    });
  });

  it('a Ctrl-C during the final training keeps the checkpoint; --resume trains the final network again to the same result', async () => {
    const dir = out('c');
    const stop = await interruptCli(
      'evolve',
      [...MICRO, '--final-epochs', String(FINAL_EPOCHS), '--out', dir],
      /final training: epoch 1\/8 /,
    );
    expect(stop.interrupted).toBe(true);
    expect(stop.status).toBe(130);
    expect(stop.stderr).toMatch(
      /final training: stopped\nevolve: stopped during the final training \(the search is complete; --resume trains the final network again from its first epoch\); resume with: npm run evolve -- --resume --out /,
    );
    expect(existsSync(path.join(dir, 'checkpoint/state.json'))).toBe(true);
    // The search's results are written; the model asked for (the final one) is not, so no other network passes for it.
    const stopped = readLog(dir);
    expect(stopped.final).toBeUndefined();
    expect(stopped.phases.flatMap((p) => p.individuals)).toHaveLength(4);
    expect(existsSync(path.join(dir, 'model'))).toBe(false);

    const resumed = evolve('--resume', '--out', dir);
    expect(resumed.stderr).toMatch(/resuming[\s\S]*final training: epoch 8\/8/);
    expect(resumed.status).toBe(0);
    expect(withoutTimings(readLog(dir))).toEqual(withoutTimings(readLog(out('a'))));
    expect(readFileSync(path.join(dir, 'model/weights.bin'))).toEqual(readFileSync(out('a/model/weights.bin')));
    expect(existsSync(path.join(dir, 'checkpoint'))).toBe(false);
  });
});
