import { describe, expect, it } from 'vitest';
import { parseArgs, USAGE } from '../../../cli/args';
import { DEFAULT_RUN_CONFIG, SETTINGS } from '../../../src/settings';

const base = ['--csv', 'f.csv', '--out', 'o'];

describe('evolve arguments', () => {
  it('maps every setting flag into the RunConfig', () => {
    const r = parseArgs([
      ...base,
      '--pop',
      '4',
      '--gens=2',
      '--epochs',
      '3',
      '--seed',
      '9',
      '--split',
      'paper-clean',
      '--per-class',
      '5',
      '--max-filters',
      '64',
      '--batch-size',
      '16',
      '--patience',
      '0',
      '--flip',
      '--dense-units',
      '128',
      '--dropout-conv',
      '0.1',
      '--dropout-dense',
      '0.3',
      '--crossover-rate',
      '0.5',
      '--mutation-rate',
      '0.3',
      '--crossover',
      'k-point',
      '--crossover-points',
      '2',
      '--selection',
      'roulette',
      '--tournament-size',
      '4',
      '--elitism',
      '2',
      '--hall-of-fame',
      '3',
      '--backend',
      'cpu',
      '--strategy',
      'random',
      '--fidelity',
      'halving',
      '--eta',
      '2',
      '--max-params',
      '100000',
      '--max-mflops',
      '12.5',
      '--max-seconds',
      '90',
    ]);
    expect(r.kind).toBe('run');
    if (r.kind !== 'run') return;
    expect(r.options).toMatchObject({ csv: 'f.csv', out: 'o', backend: 'cpu', split: 'paper-clean', resume: false });
    expect(r.options.config).toEqual({
      seed: 9,
      populationSize: 4,
      generations: 2,
      epochs: 3,
      perClass: 5,
      maxFilters: 64,
      batchSize: 16,
      patience: 0,
      augmentFlip: true,
      network: { denseUnits: 128, dropoutConv: 0.1, dropoutDense: 0.3 },
      crossoverRate: 0.5,
      mutationRate: 0.3,
      crossover: 'k-point',
      crossoverPoints: 2,
      selection: 'roulette',
      tournamentSize: 4,
      elitism: 2,
      hallOfFameSize: 3,
      split: 'paper-clean',
      strategy: 'random',
      fidelity: 'halving',
      eta: 2,
      maxParams: 100000,
      maxMflops: 12.5,
      maxSeconds: 90,
      objectives: ['accuracy'],
    });
  });

  it('maps --objectives, also with random search, and refuses it with successive halving', () => {
    const r = parseArgs([...base, '--objectives', 'accuracy,params', '--strategy', 'random']);
    expect(r.kind === 'run' && r.options.config).toMatchObject({
      objectives: ['accuracy', 'params'],
      strategy: 'random',
      fidelity: 'full',
    });
    expect(parseArgs([...base, '--objectives', 'accuracy,latency', '--fidelity', 'halving'])).toEqual({
      kind: 'error',
      message:
        '--fidelity must be full with two or more objectives (successive halving ranks by accuracy alone), got "halving"',
    });
    const single = parseArgs([...base, '--objectives', 'accuracy', '--fidelity', 'halving']);
    expect(single.kind === 'run' && single.options.config).toMatchObject({
      objectives: ['accuracy'],
      fidelity: 'halving',
    });
  });

  it("uses the lab's starting settings without flags", () => {
    const r = parseArgs(base);
    expect(r.kind === 'run' && r.options.config).toEqual(DEFAULT_RUN_CONFIG);
    expect(r.kind === 'run' && r.options).toMatchObject({ backend: 'wasm', split: 'canonical' });
    expect(DEFAULT_RUN_CONFIG).toMatchObject({
      seed: 42,
      populationSize: 10,
      generations: 3,
      epochs: 10,
      split: 'canonical',
    });
  });

  it('sets the flip augmentation with --flip and clears it with --no-flip', () => {
    const on = parseArgs([...base, '--flip']);
    expect(on.kind === 'run' && on.options.config.augmentFlip).toBe(true);
    const off = parseArgs([...base, '--no-flip']);
    expect(off.kind === 'run' && off.options.config.augmentFlip).toBe(false);
    expect(off.kind === 'run' && [...off.given]).toEqual(['csv', 'no-flip']);
  });

  it('lists every flag with its range and default in --help', () => {
    for (const s of SETTINGS)
      expect(USAGE).toContain(s.kind === 'flag' ? `--${s.flag} / --no-${s.flag}` : `--${s.flag} `);
    for (const name of ['csv', 'out', 'backend', 'resume', 'browser', 'help']) expect(USAGE).toContain(`--${name}`);
    const flat = USAGE.replace(/\s+/g, ' ');
    expect(flat).toContain('--pop N Individuals per phase (paper: 10). [2 to 200, default 10]');
    expect(flat).toContain(
      '--split MODE How the images are divided into training, validation (the fitness) and test. [canonical | paper | paper-clean, default canonical]',
    );
    expect(flat).toContain(
      '--flip / --no-flip Mirror training images at random (faces are roughly symmetric). [default off]',
    );
    expect(USAGE.split('\n').every((line) => line.length <= 116)).toBe(true);
  });

  it.each([
    [['--pop', 'x'], '--pop must be a whole number, got "x"'],
    [['--pop', '1'], '--pop must be from 2 to 200, got "1"'],
    [['--pop='], '--pop needs a value'],
    [['--gens', '-1'], '--gens must be from 0 to 100, got "-1"'],
    [['--epochs', '501'], '--epochs must be from 1 to 500, got "501"'],
    [['--max-filters', '100'], '--max-filters must be a power of two, got "100"'],
    [['--split', 'random'], '--split must be one of canonical, paper, paper-clean, got "random"'],
    [['--dropout-conv', '1'], '--dropout-conv must be from 0 to 0.95, got "1"'],
    [['--mutation-rate', '2'], '--mutation-rate must be from 0 to 1, got "2"'],
    [['--mutation-rate', 'lots'], '--mutation-rate must be a number, got "lots"'],
    [['--backend', 'webgpu'], '--backend webgpu needs --browser (in Node the CLI trains on wasm or cpu)'],
    [['--backend', 'gpu'], '--backend must be one of wasm, cpu, got "gpu"'],
    [['--epochs'], '--epochs needs a value'],
    [['--bogus', '1'], 'unknown option --bogus (see --help)'],
    [['stray'], 'unexpected argument "stray" (options start with --; see --help)'],
    [['--flip=yes'], '--flip takes no value'],
    [['--flip', '--no-flip'], '--flip and --no-flip contradict each other'],
    [['--elitism', '10'], '--elitism must be at most 9 (population minus one), got "10"'],
    [['--pop', '3', '--elitism', '3'], '--elitism must be at most 2 (population minus one), got "3"'],
    [['--seed', '1', '--seed', '2'], '--seed given twice'],
  ])('rejects %j with one line', (extra, message) => {
    expect(parseArgs([...base, ...extra])).toEqual({ kind: 'error', message });
  });

  it('needs --csv and --out, but --resume takes the file from the checkpoint', () => {
    expect(parseArgs(['--out', 'o'])).toEqual({ kind: 'error', message: '--csv FILE is required' });
    expect(parseArgs(['--csv', 'f'])).toEqual({ kind: 'error', message: '--out DIR is required' });
    const r = parseArgs(['--resume', '--out', 'o']);
    expect(r.kind === 'run' && r.options.resume).toBe(true);
    expect(r.kind === 'run' && [...r.given]).toEqual([]);
  });

  it('takes --queue URL and --queue-attempts N for Node runs, with one-line errors', () => {
    const ok = parseArgs([...base, '--queue', 'redis://:secret@10.0.0.5:6379', '--queue-attempts', '5']);
    expect(ok).toMatchObject({ kind: 'run', options: { queue: 'redis://:secret@10.0.0.5:6379', queueAttempts: 5 } });
    expect(parseArgs(base)).toMatchObject({ kind: 'run', options: { queue: null, queueAttempts: 3 } });
    // Not settings: --resume may be given them without changing the run.
    if (ok.kind === 'run') expect([...ok.given]).not.toContain('queue');
    const error = (...args: string[]): string => {
      const r = parseArgs([...base, ...args]);
      return r.kind === 'error' ? r.message : `no error (${r.kind})`;
    };
    expect(error('--queue', 'http://h:6379')).toBe('--queue must be a redis:// or rediss:// URL, got "http://h:6379"');
    expect(error('--queue', 'localhost:6379')).toMatch(/^--queue must be a/);
    expect(error('--queue', 'https://:pw@h')).toBe(
      '--queue must be a redis:// or rediss:// URL, got "https://:***@h/"',
    );
    expect(error('--queue-attempts', '2')).toBe('--queue-attempts needs --queue URL');
    expect(error('--queue', 'redis://h:6379', '--queue-attempts', '0')).toBe(
      '--queue-attempts must be a whole number from 1 to 100, got "0"',
    );
    expect(error('--queue', 'redis://h:6379', '--browser')).toBe(
      '--queue trains Node-mode runs only; run without --browser',
    );
    expect(USAGE).toContain('--queue URL');
  });

  it('answers --help before validating', () => {
    expect(parseArgs(['--pop', 'x', '--help'])).toEqual({ kind: 'help' });
  });

  it("gives --browser the same settings, any lab backend (or the lab's choice), and no --resume", () => {
    const r = parseArgs([...base, '--browser', '--pop', '4', '--split', 'paper']);
    expect(r).toEqual({
      kind: 'browser',
      options: {
        csv: 'f.csv',
        out: 'o',
        backend: null,
        split: 'paper',
        config: { ...DEFAULT_RUN_CONFIG, populationSize: 4, split: 'paper' },
      },
    });
    const gpu = parseArgs([...base, '--browser', '--backend', 'webgpu']);
    expect(gpu.kind === 'browser' && gpu.options.backend).toBe('webgpu');
    expect(parseArgs([...base, '--browser', '--backend', 'cuda'])).toEqual({
      kind: 'error',
      message: '--backend must be one of webgpu, webgl, wasm, cpu, got "cuda"',
    });
    expect(parseArgs([...base, '--browser', '--pop', '0'])).toEqual({
      kind: 'error',
      message: '--pop must be from 2 to 200, got "0"',
    });
    expect(parseArgs(['--out', 'o', '--browser', '--resume'])).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/^--resume continues Node-mode runs only/),
    });
  });
});
