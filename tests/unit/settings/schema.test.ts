/** The settings schema (src/settings) and its two front ends: the lab's form and address, and the CLI's flags. */
import { beforeEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../../cli/args';
import { optionsHelp, parseCommandLine, type CommandOptions } from '../../../cli/flags';
import { PAPER_GA_DEFAULTS, validateGaConfig } from '../../../src/ga';
import {
  crossProblems,
  DEFAULT_RUN_CONFIG,
  gaConfig,
  parseSettingText,
  SETTINGS,
  settingApplies,
  settingText,
  settingValue,
  withDefaults,
  withSetting,
  type RunConfig,
  type Setting,
  type SettingRow,
} from '../../../src/settings';
import { useLab } from '../../../src/store';
import { settingsErrors } from '../../../src/store/config';
import { configFromQuery } from '../../../src/store/settings';

const FILES = ['--csv', 'f.csv', '--out', 'o'];

/** Values at and beyond every edge of a setting: the ones both front ends must refuse, and the ones they must take. */
function probes(s: Setting): string[] {
  switch (s.kind) {
    case 'int':
      return [s.min - 1, s.max + 1, s.min + 0.5, s.min, s.max, Math.floor((s.min + s.max) / 2), s.default ?? s.min]
        .map(String)
        .concat(['abc', '', ' ', '1e400']);
    case 'real':
      return [s.min - 0.01, s.max + 0.01, s.min, s.max, (s.min + s.max) / 2, s.default ?? s.min]
        .map(String)
        .concat(['abc', '', 'NaN', 'Infinity']);
    case 'choice':
      return [...s.choices, 'bogus', '', s.choices[0]?.toUpperCase() ?? 'X'];
    case 'list':
      return [
        ...s.choices,
        s.choices.join(','),
        s.choices.slice(0, 2).join(','),
        [s.choices[0], ...s.choices.slice(-2)].join(','),
        'bogus',
        `${s.choices[0] ?? ''},${s.choices[0] ?? ''}`,
        '',
      ];
    case 'flag':
      return ['true', 'false', '1', '0', 'maybe'];
  }
}

/** The lab: the field's text typed into the settings form; its message ("<Label> <message>.") and the config. */
function inLab(s: SettingRow, text: string): { error: string | undefined; config: RunConfig } {
  useLab.getState().setSetting(s.key, text);
  const { config, drafts } = useLab.getState();
  return { error: settingsErrors(config, drafts)[s.key], config };
}

describe('the settings schema', () => {
  it('describes every setting once, with a valid default', () => {
    const unique = (names: string[]): void => expect(new Set(names).size).toBe(names.length);
    unique(SETTINGS.map((s) => s.key));
    unique(SETTINGS.flatMap((s) => (s.kind === 'flag' ? [s.flag, `no-${s.flag}`] : [s.flag])));
    unique(SETTINGS.map((s) => s.url));
    unique(SETTINGS.map((s) => s.label));
    for (const s of SETTINGS) {
      expect(s.help.length, s.key).toBeGreaterThan(10);
      // A required setting needs a default, and the default reads back as itself.
      if (!s.optional) expect(s.default, s.key).not.toBeUndefined();
      if (s.default !== undefined)
        expect(parseSettingText(s, settingText(s.default)), s.key).toEqual({ value: s.default });
      expect(settingValue(DEFAULT_RUN_CONFIG, s), s.key).toEqual(s.default);
      // A setting that depends on another names a real choice (or list of choices) and values it can take.
      if (s.appliesIf) {
        const other = SETTINGS.find((x) => x.key === s.appliesIf?.key);
        expect(other?.kind === 'choice' || other?.kind === 'list', s.key).toBe(true);
        for (const v of s.appliesIf.oneOf)
          expect(other !== undefined && 'error' in parseSettingText(other, v), `${s.key}: ${v}`).toBe(false);
      }
    }
    expect(crossProblems(DEFAULT_RUN_CONFIG)).toEqual({});
  });

  it('keeps the names and address keys that links and tests outside rely on', () => {
    const byKey = Object.fromEntries(SETTINGS.map((s) => [s.key, [s.label, s.url, s.flag]]));
    expect(byKey).toEqual({
      populationSize: ['Population', 'pop', 'pop'],
      generations: ['Generations', 'gens', 'gens'],
      epochs: ['Epochs', 'epochs', 'epochs'],
      perClass: ['Images per class', 'per', 'per-class'],
      maxFilters: ['Max filters', 'maxf', 'max-filters'],
      objectives: ['Objectives', 'obj', 'objectives'],
      seed: ['Seed', 'seed', 'seed'],
      crossover: ['Crossover', 'cx', 'crossover'],
      crossoverPoints: ['Crossover points', 'cxk', 'crossover-points'],
      crossoverRate: ['Crossover rate', 'cxpb', 'crossover-rate'],
      mutationRate: ['Mutation rate', 'mutpb', 'mutation-rate'],
      selection: ['Selection', 'sel', 'selection'],
      tournamentSize: ['Tournament size', 'tour', 'tournament-size'],
      elitism: ['Elitism', 'elite', 'elitism'],
      hallOfFameSize: ['Hall of fame size', 'hof', 'hall-of-fame'],
      strategy: ['Search strategy', 'strategy', 'strategy'],
      fidelity: ['Fidelity', 'fid', 'fidelity'],
      eta: ['Halving factor', 'eta', 'eta'],
      maxParams: ['Max parameters', 'maxp', 'max-params'],
      maxMflops: ['Max MFLOPs', 'maxmf', 'max-mflops'],
      maxSeconds: ['Max seconds per candidate', 'maxs', 'max-seconds'],
      batchSize: ['Batch size', 'batch', 'batch-size'],
      patience: ['Patience', 'pat', 'patience'],
      denseUnits: ['Dense units', 'dense', 'dense-units'],
      dropoutConv: ['Conv dropout', 'dconv', 'dropout-conv'],
      dropoutDense: ['Dense dropout', 'ddense', 'dropout-dense'],
      augmentFlip: ['Flip augmentation', 'flip', 'flip'],
      split: ['Split', 'split', 'split'],
    });
  });
});

describe('the CLI and the lab', () => {
  beforeEach(() => useLab.getState().loadConfig(DEFAULT_RUN_CONFIG, []));

  it.each(SETTINGS.filter((s) => s.kind !== 'flag').map((s) => [s.key, s] as const))(
    'reject and accept the same values of %s, with the same message',
    (_key, s) => {
      let rejected = 0;
      let accepted = 0;
      for (const text of probes(s)) {
        useLab.getState().loadConfig(DEFAULT_RUN_CONFIG, []);
        const lab = inLab(s, text);
        const cli = parseArgs([...FILES, `--${s.flag}=${text}`]);
        const url = configFromQuery(new URLSearchParams({ [s.url]: text }));
        const what = `${s.flag}=${JSON.stringify(text)}`;
        if (lab.error === undefined) {
          accepted++;
          expect(cli.kind, what).toBe('run');
          if (cli.kind === 'run') expect(cli.options.config, what).toEqual(lab.config);
          expect(url, what).toEqual({ config: lab.config, errors: [] });
        } else {
          rejected++;
          expect(lab.error, what).toMatch(new RegExp(`^${s.label} .+\\.$`));
          const message = lab.error.slice(s.label.length + 1, -1);
          expect(cli, what).toEqual({
            kind: 'error',
            message: text.trim() === '' ? `--${s.flag} ${message}` : `--${s.flag} ${message}, got "${text}"`,
          });
          // The address reports the same message; a value that breaks a rule between settings is moved to the nearest allowed one.
          expect(url.errors, what).toHaveLength(1);
          const [urlError = ''] = url.errors;
          if (urlError.includes('; using ')) {
            expect(urlError.startsWith(`${s.url}=${text}: ${s.label} ${message}; using `), `${what}: ${urlError}`).toBe(
              true,
            );
            expect(crossProblems(url.config), what).toEqual({});
          } else {
            expect(urlError, what).toBe(`${s.url}=${text}: ${s.label} ${message}`);
            expect(url.config, what).toEqual(DEFAULT_RUN_CONFIG);
          }
        }
      }
      // Both outcomes were exercised: the probes reach past the edges and land inside them.
      expect(rejected).toBeGreaterThanOrEqual(2);
      expect(accepted).toBeGreaterThanOrEqual(2);
    },
  );

  it.each(SETTINGS.filter((s) => s.kind === 'flag').map((s) => [s.key, s] as const))(
    'set and clear the switch %s alike',
    (_key, s) => {
      for (const on of [true, false]) {
        useLab.getState().loadConfig(DEFAULT_RUN_CONFIG, []);
        const lab = inLab(s, String(on));
        const cli = parseArgs([...FILES, on ? `--${s.flag}` : `--no-${s.flag}`]);
        expect(lab.error).toBeUndefined();
        expect(cli.kind === 'run' && cli.options.config).toEqual(lab.config);
        expect(settingValue(lab.config, s)).toBe(on);
      }
      expect(inLab(s, 'maybe').error).toBe(`${s.label} must be true or false.`);
      expect(parseArgs([...FILES, `--${s.flag}=maybe`])).toEqual({
        kind: 'error',
        message: `--${s.flag} takes no value`,
      });
    },
  );

  it('refuse the same combinations of settings (elitism below the population), with the same message', () => {
    for (const [pop, elite, ok] of [
      [3, 2, true],
      [3, 3, false],
      [2, 1, true],
      [2, 5, false],
      [200, 199, true],
    ] as const) {
      useLab.getState().loadConfig(DEFAULT_RUN_CONFIG, []);
      inLab(SETTINGS.find((s) => s.key === 'populationSize') as SettingRow, String(pop));
      const lab = inLab(SETTINGS.find((s) => s.key === 'elitism') as SettingRow, String(elite));
      const cli = parseArgs([...FILES, '--pop', String(pop), '--elitism', String(elite)]);
      if (ok) {
        expect(lab.error).toBeUndefined();
        expect(cli.kind === 'run' && cli.options.config).toEqual(lab.config);
      } else {
        const message = `must be at most ${pop - 1} (population minus one)`;
        expect(lab.error).toBe(`Elitism ${message}.`);
        expect(cli).toEqual({ kind: 'error', message: `--elitism ${message}, got "${elite}"` });
      }
    }
  });

  it('refuse successive halving with two or more objectives in the lab, the CLI and the GA engine, with the same message', () => {
    const message = 'must be full with two or more objectives (successive halving ranks by accuracy alone)';
    useLab.getState().loadConfig(DEFAULT_RUN_CONFIG, []);
    inLab(SETTINGS.find((s) => s.key === 'fidelity') as SettingRow, 'halving');
    expect(inLab(SETTINGS.find((s) => s.key === 'objectives') as SettingRow, 'accuracy').error).toBeUndefined();
    const lab = inLab(SETTINGS.find((s) => s.key === 'objectives') as SettingRow, 'accuracy,flops');
    const { config, drafts } = useLab.getState();
    expect(settingsErrors(config, drafts).fidelity).toBe(`Fidelity ${message}.`);
    expect(lab.config).toMatchObject({ objectives: ['accuracy', 'flops'], fidelity: 'halving' });
    expect(parseArgs([...FILES, '--fidelity', 'halving', '--objectives', 'accuracy,flops'])).toEqual({
      kind: 'error',
      message: `--fidelity ${message}, got "halving"`,
    });
    expect(validateGaConfig(gaConfig(lab.config, ''))).toEqual([
      'successive halving works with a single objective: with two or more objectives use full fidelity',
    ]);
    // Random search with two objectives is allowed: it keeps the Pareto front of everything it draws.
    expect(crossProblems({ ...lab.config, fidelity: 'full', strategy: 'random' })).toEqual({});
    expect(validateGaConfig(gaConfig({ ...lab.config, fidelity: 'full', strategy: 'random' }, ''))).toEqual([]);
  });
});

describe('a command with some of the settings', () => {
  // The settings a single-network training command takes, with its own --backend and --help.
  const TRAIN: CommandOptions = [
    'epochs',
    'seed',
    'split',
    'perClass',
    'patience',
    'batchSize',
    'augmentFlip',
    'denseUnits',
    'dropoutConv',
    'dropoutDense',
    { name: 'backend', metavar: 'NAME', help: 'wasm | cpu.' },
    { name: 'help', help: 'This text.' },
  ];

  it('takes only its settings, with the same names, ranges, defaults and messages', () => {
    expect(parseCommandLine(['--pop', '4'], TRAIN)).toEqual({
      kind: 'error',
      message: 'unknown option --pop (see --help)',
    });
    expect(parseCommandLine(['--epochs', '501'], TRAIN)).toEqual({
      kind: 'error',
      message: '--epochs must be from 1 to 500, got "501"',
    });
    expect(parseCommandLine(['-h'], TRAIN)).toEqual({ kind: 'help' });
    const r = parseCommandLine(['--epochs', '2', '--no-flip', '--dropout-dense=0.3', '--backend', 'cpu'], TRAIN);
    expect(r).toEqual({
      kind: 'ok',
      config: {
        ...DEFAULT_RUN_CONFIG,
        epochs: 2,
        augmentFlip: false,
        network: { ...DEFAULT_RUN_CONFIG.network, dropoutDense: 0.3 },
      },
      flags: new Map([['backend', 'cpu']]),
      given: new Set(['epochs', 'no-flip', 'dropout-dense', 'backend']),
    });
    const help = optionsHelp(TRAIN);
    expect(help).toContain('--epochs N');
    expect(help).toContain('--flip / --no-flip');
    expect(help).not.toContain('--pop');
    expect(help.split('\n').filter((l) => l.startsWith('  --'))).toHaveLength(TRAIN.length);
  });
});

describe('settings that later rows may need', () => {
  const base = {
    label: 'Limit',
    help: 'A limit that is off unless set.',
    flag: 'limit',
    url: 'lim',
    group: 'ga',
  } as const;

  it('leaves an optional setting without a default unset, and unsets it again', () => {
    const limit: Setting = { ...base, key: 'limit', kind: 'int', min: 1, max: 10, default: undefined, optional: true };
    expect(parseSettingText(limit, '')).toEqual({ value: undefined });
    expect(parseSettingText(limit, '11')).toEqual({ error: 'must be from 1 to 10' });
    const set = withSetting(DEFAULT_RUN_CONFIG, limit, 4);
    expect(settingValue(set, limit)).toBe(4);
    expect(withSetting(set, limit, undefined)).toEqual(DEFAULT_RUN_CONFIG);
  });

  it('reads a list of choices, each at most once', () => {
    const list: Setting = {
      ...base,
      key: 'objectives',
      kind: 'list',
      choices: ['accuracy', 'params', 'flops'],
      default: ['accuracy'],
    };
    expect(parseSettingText(list, 'accuracy, params')).toEqual({ value: ['accuracy', 'params'] });
    const message = 'must be a comma-separated list of distinct values from accuracy, params, flops';
    expect(parseSettingText(list, 'accuracy,accuracy')).toEqual({ error: message });
    expect(parseSettingText(list, 'speed')).toEqual({ error: message });
    expect(parseSettingText(list, '')).toEqual({ error: 'needs a value' });
    expect(settingText(['accuracy', 'params'])).toBe('accuracy,params');
  });
});

describe('settings that depend on others', () => {
  it('apply only with the operator that uses them', () => {
    const points = SETTINGS.find((s) => s.key === 'crossoverPoints') as SettingRow;
    const tournament = SETTINGS.find((s) => s.key === 'tournamentSize') as SettingRow;
    expect(settingApplies(DEFAULT_RUN_CONFIG, points)).toBe(false);
    expect(settingApplies({ ...DEFAULT_RUN_CONFIG, crossover: 'k-point' }, points)).toBe(true);
    expect(settingApplies(DEFAULT_RUN_CONFIG, tournament)).toBe(true);
    expect(settingApplies({ ...DEFAULT_RUN_CONFIG, selection: 'roulette' }, tournament)).toBe(false);
  });
});

describe('settings to the GA engine', () => {
  it("map every GA setting, the default seed being the schema's", () => {
    const ga = gaConfig(DEFAULT_RUN_CONFIG, 'key');
    // The paper's search with full training, no budget, and the epochs the fitness function is asked for.
    expect(ga).toEqual({
      ...PAPER_GA_DEFAULTS,
      seed: 42,
      strategy: 'ga',
      fidelity: 'full',
      eta: 3,
      epochs: 10,
      trainingKey: 'key',
    });
    expect(validateGaConfig(ga)).toEqual([]);
    const changed = gaConfig(
      {
        ...DEFAULT_RUN_CONFIG,
        populationSize: 4,
        crossover: 'k-point',
        crossoverPoints: 5,
        selection: 'roulette',
        elitism: 0,
        maxFilters: 8,
      },
      '',
    );
    expect(changed).toMatchObject({
      populationSize: 4,
      crossover: 'k-point',
      crossoverPoints: 5,
      selection: 'roulette',
      elitism: 0,
      maxFilters: 8,
    });
    const search = gaConfig(
      {
        ...DEFAULT_RUN_CONFIG,
        strategy: 'random',
        fidelity: 'halving',
        eta: 4,
        epochs: 6,
        maxParams: 5000,
        maxMflops: 2.5,
      },
      '',
    );
    expect(search).toMatchObject({
      strategy: 'random',
      fidelity: 'halving',
      eta: 4,
      epochs: 6,
      maxParams: 5000,
      maxFlops: 2_500_000,
    });
    expect(validateGaConfig(search)).toEqual([]);
    expect(ga).not.toHaveProperty('maxParams');
    expect(ga).not.toHaveProperty('maxFlops');
  });

  it('give settings missing from an older run log their defaults', () => {
    const {
      crossover: _c,
      crossoverPoints: _k,
      selection: _s,
      tournamentSize: _t,
      elitism: _e,
      hallOfFameSize: _h,
      split: _p,
      ...old
    } = DEFAULT_RUN_CONFIG;
    expect(withDefaults(old)).toEqual(DEFAULT_RUN_CONFIG);
    expect(gaConfig(old, 'key')).toEqual(gaConfig(DEFAULT_RUN_CONFIG, 'key'));
  });
});
