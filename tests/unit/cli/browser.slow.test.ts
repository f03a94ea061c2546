/** `npm run evolve -- --browser`: the same micro run in the built lab in headless Chromium, compared with Node mode. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunLog } from '../../../src/experiment/runlog';
import { parseRunLog } from '../../../src/experiment/runlogParser';
import { useWasm } from '../../helpers/wasm-setup';
import { writeFer2013Fixture } from '../../helpers/fer2013';
import { runCli, runCliAsync, tempDir } from '../../helpers/cliRun';
import { loadExportedModelDir } from '../../helpers/exportedModel';

// A generated FER2013-shaped file (tests/helpers/fer2013.ts), so the test needs no data from outside the repository.
const SMALL = writeFer2013Fixture(tempDir('evolab-fixture-').dir);
// paper-clean exercises the random 80/20 split with a validation part; 3 images per class keeps training tiny.
const MICRO = [
  '--csv',
  SMALL,
  '--split',
  'paper-clean',
  '--pop',
  '2',
  '--gens',
  '0',
  '--epochs',
  '1',
  '--per-class',
  '3',
  '--max-filters',
  '4',
  '--seed',
  '5',
];

const out = tempDir('evolab-browser-').path;
const readLog = (dir: string): RunLog => parseRunLog(readFileSync(path.join(dir, 'run.json'), 'utf8'));

// Asynchronous, so that the test process stays responsive while Chromium trains.
const evolve = (...args: string[]) => runCliAsync('evolve', args);

describe('evolve --browser', () => {
  it('runs the micro search in the lab on wasm and writes run.json, report and a loadable model; Node mode gets the same result', async () => {
    const [browser, node] = await Promise.all([
      evolve(...MICRO, '--browser', '--backend', 'wasm', '--out', out('b')),
      evolve(...MICRO, '--out', out('n')),
    ]);
    expect(browser.stderr).toMatch(/backend wasm: forced by \?backend=wasm/);
    expect(browser.stderr).toMatch(/^phase 1\/1 candidate \d\/2 trained: fitness \d+\.\d\d% in /m);
    expect(browser.stderr).toMatch(/evolve: done\./);
    expect(browser.status).toBe(0);
    expect(node.status).toBe(0);

    const log = readLog(out('b'));
    expect(log).toMatchObject({
      seed: 5,
      outcome: 'done',
      phasesPlanned: 1,
      backend: { name: 'wasm' },
      dataset: { name: 'fer2013-fixture.csv', split: 'paper-clean', test: 21 },
    });
    expect(log.config).toMatchObject({
      populationSize: 2,
      generations: 0,
      epochs: 1,
      perClass: 3,
      maxFilters: 4,
      seed: 5,
      split: 'paper-clean',
    });
    expect(log.phases.flatMap((p) => p.individuals)).toHaveLength(2);
    expect(log.best?.testAccuracy).toEqual(expect.any(Number));
    // The lab runs the same src/ga, src/ml and src/experiment code on the same backend: same search, same scores.
    const nodeLog = readLog(out('n'));
    const scores = (l: RunLog): unknown => ({
      phases: l.phases.map((p) => p.individuals.map((r) => [r.chromosome, r.fitness, r.status, r.params])),
      best: { ...l.best },
    });
    expect(scores(log)).toEqual(scores(nodeLog));

    expect(readFileSync(out('b/report.md'), 'utf8')).toMatch(
      /Table 2 form[\s\S]*Table 3 form[\s\S]*!\[[^\]]*\]\(fitness\.svg\)[\s\S]*Confusion matrix/,
    );
    expect(readFileSync(out('b/fitness.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    expect(readdirSync(out('b/model')).sort()).toEqual(['evolab.json', 'model.json', 'weights.bin']);

    await useWasm();
    const model = await loadExportedModelDir(out('b/model'));
    expect(model.inputs[0]?.shape).toEqual([null, 48, 48, 1]);
    expect(model.outputs[0]?.shape).toEqual([null, 7]);
    expect(model.countParams()).toBe(log.best?.params);
    model.dispose();
  });

  it("exits 1 with the reason when the lab's training worker dies mid-run (the lab's ?simulate=crash:1 test hook)", async () => {
    const r = await runCliAsync('evolve', [...MICRO, '--browser', '--backend', 'wasm', '--out', out('c')], {
      EVOLAB_LAB_SIMULATE: 'crash:1',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^evolve: the lab's training worker crashed: [^\n]*simulated crash after 1 candidate \(\?simulate=crash:1\)/m,
    );
    expect(r.stderr).not.toMatch(/evolve: done\./);
  });

  it('answers --browser --resume and a backend the lab cannot be asked for with one line and exit code 2', () => {
    const run = (...args: string[]) => runCli('evolve', args);
    const resume = run('--browser', '--resume', '--out', out('r'));
    expect(resume.status).toBe(2);
    expect(resume.stderr).toMatch(/^evolve: --resume continues Node-mode runs only[^\n]*\n$/);
    const bad = run(...MICRO, '--browser', '--backend', 'cuda', '--out', out('x'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('evolve: --backend must be one of webgpu, webgl, wasm, cpu, got "cuda" (see --help)\n');
    const missing = run('--browser', '--csv', out('nope.csv'), '--out', out('x'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`evolve: ${out('nope.csv')}: file not found\n`);
  });
});
