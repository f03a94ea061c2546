/** `train`'s arguments: the training settings as evolve takes them (flags, ranges, defaults, messages), and the chromosome file. */
import { describe, expect, it } from 'vitest';
import { parseArgs, USAGE } from '../../../cli/args';
import {
  chromosomeFromJson,
  parseTrainArgs,
  resolveChromosome,
  TRAIN_SETTINGS,
  TRAIN_USAGE,
} from '../../../cli/trainArgs';
import { PAPER_BEST } from '../../../src/ga/chromosome';
import { DEFAULT_RUN_CONFIG, settingByKey } from '../../../src/settings';

const files = ['--csv', 'f.csv', '--out', 'o'];
const trainFiles = [...files, '--chromosome', 'paper-best'];

/** Values each kind of setting must refuse. */
const BAD: Record<string, readonly string[]> = {
  int: ['x', '1.5', '-1', '99999999999', ''],
  real: ['lots', '-0.1', '1.2'],
  choice: ['random'],
  list: ['nope'],
  flag: [],
};

/** The lines --help prints for a flag: from its name to the next flag. */
function helpOf(usage: string, flag: string): string {
  const flat = usage.replace(/\s+/g, ' ');
  const at = flat.indexOf(` --${flag} `);
  const next = flat.indexOf(' --', at + 3);
  return flat.slice(at, next < 0 ? undefined : next);
}

describe('train arguments', () => {
  it("maps every training flag into the RunConfig, starting from the lab's and evolve's defaults", () => {
    const r = parseTrainArgs([
      ...trainFiles,
      '--epochs',
      '30',
      '--seed',
      '9',
      '--split',
      'paper-clean',
      '--per-class',
      '5',
      '--patience',
      '0',
      '--batch-size',
      '16',
      '--flip',
      '--dense-units',
      '128',
      '--dropout-conv',
      '0.1',
      '--dropout-dense',
      '0.3',
      '--backend',
      'cpu',
    ]);
    expect(r).toEqual({
      kind: 'run',
      options: {
        csv: 'f.csv',
        chromosome: 'paper-best',
        out: 'o',
        backend: 'cpu',
        config: {
          ...DEFAULT_RUN_CONFIG,
          epochs: 30,
          seed: 9,
          split: 'paper-clean',
          perClass: 5,
          patience: 0,
          batchSize: 16,
          augmentFlip: true,
          network: { denseUnits: 128, dropoutConv: 0.1, dropoutDense: 0.3 },
        },
      },
    });
    const plain = parseTrainArgs(trainFiles);
    expect(plain.kind === 'run' && plain.options.config).toEqual(DEFAULT_RUN_CONFIG);
    expect(plain.kind === 'run' && plain.options.backend).toBe('wasm');
  });

  it("refuses a bad value of every training setting with evolve's very words", () => {
    let checked = 0;
    for (const key of TRAIN_SETTINGS) {
      const s = settingByKey(key);
      for (const text of BAD[s.kind] ?? []) {
        const arg = `--${s.flag}=${text}`;
        const evolve = parseArgs([...files, arg]);
        expect(evolve.kind, arg).toBe('error');
        expect(parseTrainArgs([...trainFiles, arg]), arg).toEqual(evolve);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(parseTrainArgs([...trainFiles, '--flip', '--no-flip'])).toEqual(
      parseArgs([...files, '--flip', '--no-flip']),
    );
  });

  it('lists each training setting in --help exactly as evolve does, and no search setting', () => {
    for (const key of TRAIN_SETTINGS) {
      const s = settingByKey(key);
      const flag = s.kind === 'flag' ? `${s.flag} /` : s.flag;
      expect(helpOf(TRAIN_USAGE, flag), flag).toBe(helpOf(USAGE, flag));
    }
    expect(TRAIN_USAGE).not.toMatch(/--pop|--gens|--max-filters|--resume|--browser/);
    for (const name of ['csv', 'chromosome', 'out', 'backend', 'help']) expect(TRAIN_USAGE).toContain(`--${name}`);
    expect(TRAIN_USAGE.split('\n').every((line) => line.length <= 116)).toBe(true);
  });

  it.each([
    [['--csv', 'f', '--out', 'o'], '--chromosome FILE.json or paper-best is required'],
    [['--chromosome', 'paper-best', '--out', 'o'], '--csv FILE is required'],
    [['--csv', 'f', '--chromosome', 'paper-best'], '--out DIR is required'],
    [[...trainFiles, '--pop', '4'], 'unknown option --pop (see --help)'],
    [[...trainFiles, '--backend', 'gpu'], '--backend must be one of wasm, cpu, got "gpu"'],
    [
      [...trainFiles, '--backend', 'webgpu'],
      '--backend must be one of wasm, cpu, got "webgpu" (train runs in Node; the lab trains on WebGPU or WebGL)',
    ],
  ])('rejects %j with one line', (argv, message) => {
    expect(parseTrainArgs(argv)).toEqual({ kind: 'error', message });
  });

  it('answers --help before validating', () => {
    expect(parseTrainArgs(['--epochs', 'x', '--help'])).toEqual({ kind: 'help' });
  });
});

describe('the chromosome to train', () => {
  const json = (v: unknown): string => JSON.stringify(v);

  it("is the paper's Table 2 chromosome for paper-best", () => {
    expect(
      resolveChromosome('paper-best', () => {
        throw new Error('no file is read');
      }),
    ).toEqual({ chromosome: PAPER_BEST });
  });

  it('reads a bare chromosome, a result.json and an evolve run.json (its best)', () => {
    expect(chromosomeFromJson(json(PAPER_BEST), 'c.json')).toEqual({ chromosome: PAPER_BEST });
    expect(chromosomeFromJson(json({ chromosome: PAPER_BEST, testAccuracy: 0.5 }), 'result.json')).toEqual({
      chromosome: PAPER_BEST,
    });
    expect(
      chromosomeFromJson(json({ format: 'evolab-run-log', best: { chromosome: PAPER_BEST } }), 'run.json'),
    ).toEqual({ chromosome: PAPER_BEST });
  });

  it.each([
    ['{"conv": [', /^c\.json is not JSON \(.+\)$/],
    [
      json({ ...PAPER_BEST, learningRate: 0.5 }),
      /^c\.json is not a valid chromosome: learningRate must be a number from 0\.001 to 0\.01, got 0\.5$/,
    ],
    [
      json({ ...PAPER_BEST, conv: PAPER_BEST.conv.slice(1) }),
      /^c\.json is not a valid chromosome: conv must be an array of 6 layers$/,
    ],
    [
      json({ chromosome: { ...PAPER_BEST, optimizer: 'lbfgs' } }),
      /^c\.json is not a valid chromosome: optimizer must be one of adam, .*, got "lbfgs"$/,
    ],
    [json({ format: 'evolab-run-log', best: null }), /^c\.json is a run log without a best chromosome/],
    [json([1, 2]), /^c\.json is not a valid chromosome: conv must be an array of 6 layers$/],
  ])('refuses %s with one line', (text, message) => {
    const r = chromosomeFromJson(text, 'c.json');
    expect('error' in r && r.error).toMatch(message);
    expect('error' in r && r.error.includes('\n')).toBe(false);
  });

  it('says a missing file is missing', () => {
    const missing = resolveChromosome('nope.json', () => {
      throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    });
    expect(missing).toEqual({ error: 'nope.json: file not found' });
  });
});

describe('evolve --final-epochs', () => {
  it('takes what --epochs takes, with the same words', () => {
    const r = parseArgs([...files, '--final-epochs', '40']);
    expect(r.kind === 'run' && r.options.finalEpochs).toBe(40);
    const none = parseArgs(files);
    expect(none.kind === 'run' && none.options.finalEpochs).toBeNull();
    expect(parseArgs([...files, '--final-epochs', '0'])).toEqual({
      kind: 'error',
      message: '--final-epochs must be from 1 to 500, got "0"',
    });
    expect(parseArgs([...files, '--final-epochs', 'ten'])).toEqual({
      kind: 'error',
      message: '--final-epochs must be a whole number, got "ten"',
    });
    expect(parseArgs([...files, '--final-epochs'])).toEqual({ kind: 'error', message: '--final-epochs needs a value' });
    expect(parseArgs([...files, '--browser', '--final-epochs', '5'])).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^--final-epochs needs Node mode/),
    });
    expect(USAGE.replace(/\s+/g, ' ')).toContain('--final-epochs N After the search, train the best chromosome again');
  });
});
