/**
 * Every run setting described once: its RunConfig key, type, range, default, label, help, command-line flag and
 * address key. The lab's settings form and address, the CLI's flags and --help, the GA config and the trainer's
 * defaults are all read from SETTINGS; RunConfig itself is derived from it. Pure: no tfjs, DOM or host globals.
 */
import { CROSSOVER_KINDS, FIDELITY_KINDS, PAPER_GA_DEFAULTS, SELECTION_KINDS, STRATEGY_KINDS } from '../ga/config';
import { DEFAULT_ETA } from '../ga/halving';
import { GENE_COUNT, isValidMaxFilters, MAX_FILTERS } from '../ga/genes';
import { SPLIT_MODES } from '../data/splits';

/** What a setting is about; the lab groups its fields by it. */
export type SettingGroup = 'ga' | 'search' | 'training' | 'data';

interface RowBase {
  /** The RunConfig key (inside `config.network` when `nest` is 'network'). */
  readonly key: string;
  readonly nest?: 'network';
  /** The lab's field name, which is also its accessible name. */
  readonly label: string;
  /** What the setting does, in a sentence or two: under the lab's field and in --help. */
  readonly help: string;
  /** The command-line name without its dashes. */
  readonly flag: string;
  /** The value's placeholder in --help; by kind when absent. */
  readonly metavar?: string;
  /** The query parameter in the lab's address. */
  readonly url: string;
  readonly group: SettingGroup;
  /**
   * The setting may be absent from a RunConfig, which then means `default`: run logs and checkpoints written before
   * the setting existed stay readable, and a setting without a default (a limit) can be left unset.
   */
  readonly optional?: true;
  /** The setting only matters while another setting has one of these values; the lab greys it out otherwise. */
  readonly appliesIf?: { readonly key: string; readonly oneOf: readonly string[] };
}

/** A whole number from `min` to `max`; `check` adds a rule of its own (a message completing "<name> ..."). */
export interface IntSetting extends RowBase {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
  readonly default: number | undefined;
  readonly check?: (value: number) => string | null;
}
/** A number from `min` to `max`; `step` is the lab's spinner step. */
export interface RealSetting extends RowBase {
  readonly kind: 'real';
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly default: number | undefined;
}
/** One of `choices`; `choiceLabels` are the lab's longer option texts. */
export interface ChoiceSetting extends RowBase {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly choiceLabels?: Readonly<Record<string, string>>;
  readonly default: string | undefined;
}
/** On or off: `--flag` / `--no-flag` on the command line. */
export interface FlagSetting extends RowBase {
  readonly kind: 'flag';
  readonly default: boolean;
}
/** Some of `choices`, each at most once, written comma-separated on the command line and in the address. */
export interface ListSetting extends RowBase {
  readonly kind: 'list';
  readonly choices: readonly string[];
  readonly default: readonly string[] | undefined;
  /** The lab's names of the choices (the accessible names of its checkboxes). */
  readonly choiceLabels?: Readonly<Record<string, string>>;
  /** A choice always in the list (the lab shows it ticked and fixed). */
  readonly required?: string;
  /** A rule of its own on the list (a message completing "<name> ..."). */
  readonly check?: (value: readonly string[]) => string | null;
}
/** One row of the schema. */
export type Setting = IntSetting | RealSetting | ChoiceSetting | FlagSetting | ListSetting;
/** A setting's value in a RunConfig. */
export type SettingValue = number | string | boolean | readonly string[];

// `const` type parameters keep each row's key, nest, kind and choices as literal types, from which RunConfig is derived.
const int = <const R extends Omit<IntSetting, 'kind'>>(row: R) => ({ ...row, kind: 'int' as const });
const real = <const R extends Omit<RealSetting, 'kind'>>(row: R) => ({ ...row, kind: 'real' as const });
const choice = <const R extends Omit<ChoiceSetting, 'kind'>>(row: R) => ({ ...row, kind: 'choice' as const });
const flag = <const R extends Omit<FlagSetting, 'kind'>>(row: R) => ({ ...row, kind: 'flag' as const });
const list = <const R extends Omit<ListSetting, 'kind'>>(row: R) => ({ ...row, kind: 'list' as const });

/** What a search can optimise: validation accuracy (always, first), and the costs a person may trade it against. */
export const OBJECTIVE_NAMES = ['accuracy', 'params', 'flops', 'latency'] as const;
/** One objective of the settings. */
export type ObjectiveName = (typeof OBJECTIVE_NAMES)[number];

const ga = PAPER_GA_DEFAULTS;
/** Settings of the single-objective search only: NSGA-II selects by fronts and is elitist by itself. */
const ACCURACY_ONLY = { key: 'objectives', oneOf: ['accuracy'] } as const;

// The rows with their literal types, from which RunConfig is derived; everyone else reads SETTINGS.
const ROWS = [
  int({
    key: 'populationSize',
    label: 'Population',
    flag: 'pop',
    url: 'pop',
    group: 'ga',
    min: 2,
    max: 200,
    default: ga.populationSize,
    help: 'Individuals per phase (paper: 10).',
  }),
  int({
    key: 'generations',
    label: 'Generations',
    flag: 'gens',
    url: 'gens',
    group: 'ga',
    min: 0,
    max: 100,
    default: ga.generations,
    help: 'Generations after the initial population (paper: 3, so 4 phases).',
  }),
  int({
    key: 'epochs',
    label: 'Epochs',
    flag: 'epochs',
    url: 'epochs',
    group: 'training',
    min: 1,
    max: 500,
    default: 10,
    help: 'Training epochs per candidate; early stopping may end sooner.',
  }),
  int({
    key: 'perClass',
    label: 'Images per class',
    flag: 'per-class',
    metavar: 'K',
    url: 'per',
    group: 'data',
    min: 0,
    max: 100_000,
    default: 0,
    help: 'Cap per class in each split for quick runs; 0 uses all.',
  }),
  int({
    key: 'maxFilters',
    label: 'Max filters',
    flag: 'max-filters',
    url: 'maxf',
    group: 'ga',
    min: 2,
    max: MAX_FILTERS,
    default: ga.maxFilters,
    help: 'Upper bound of the filter gene (a power of two, paper: 1024).',
    check: (v) => (isValidMaxFilters(v) ? null : 'must be a power of two'),
  }),
  // 42, not the GA library's 1: the lab's addresses leave out default values, so links shared before the schema
  // (seed 42 implied) still reproduce their runs; the CLI writes the seed into run.json, so its runs stay readable.
  list({
    key: 'objectives',
    label: 'Objectives',
    flag: 'objectives',
    metavar: 'LIST',
    url: 'obj',
    group: 'ga',
    optional: true,
    choices: OBJECTIVE_NAMES,
    default: ['accuracy'],
    help: 'What the search optimises: accuracy alone (the paper), or accuracy and one or two costs (parameters, FLOPs per image, measured latency per image) as a Pareto front (NSGA-II).',
    check: (v) =>
      v[0] !== 'accuracy' ? 'must start with accuracy' : v.length > 3 ? 'takes accuracy and at most two costs' : null,
    choiceLabels: {
      accuracy: 'Accuracy',
      params: 'Parameters',
      flops: 'FLOPs per image',
      latency: 'Latency per image',
    },
    required: 'accuracy',
  }),
  int({
    key: 'seed',
    label: 'Seed',
    flag: 'seed',
    metavar: 'S',
    url: 'seed',
    group: 'ga',
    min: 0,
    max: 2 ** 31 - 1,
    default: 42,
    help: 'Same seed, same run: population, data split, shuffles and weights.',
  }),
  choice({
    key: 'crossover',
    label: 'Crossover',
    flag: 'crossover',
    metavar: 'KIND',
    url: 'cx',
    group: 'ga',
    optional: true,
    choices: CROSSOVER_KINDS,
    default: ga.crossover,
    help: 'How two parents swap genes: cut the gene list at 1, 2 or k points.',
  }),
  int({
    key: 'crossoverPoints',
    label: 'Crossover points',
    flag: 'crossover-points',
    url: 'cxk',
    group: 'ga',
    optional: true,
    min: 1,
    max: GENE_COUNT - 1,
    default: ga.crossoverPoints,
    appliesIf: { key: 'crossover', oneOf: ['k-point'] },
    help: 'Cut points of k-point crossover.',
  }),
  real({
    key: 'crossoverRate',
    label: 'Crossover rate',
    flag: 'crossover-rate',
    url: 'cxpb',
    group: 'ga',
    min: 0,
    max: 1,
    step: 0.05,
    default: ga.crossoverRate,
    help: 'Chance that a pair of offspring is mated (paper: 0.2).',
  }),
  real({
    key: 'mutationRate',
    label: 'Mutation rate',
    flag: 'mutation-rate',
    url: 'mutpb',
    group: 'ga',
    min: 0,
    max: 1,
    step: 0.05,
    default: ga.mutationRate,
    help: 'Chance that an offspring is mutated (paper: 0.1).',
  }),
  choice({
    key: 'selection',
    label: 'Selection',
    flag: 'selection',
    metavar: 'KIND',
    url: 'sel',
    group: 'ga',
    optional: true,
    choices: SELECTION_KINDS,
    default: ga.selection,
    appliesIf: ACCURACY_ONLY,
    help: 'How parents are picked: best of a random tournament, or in proportion to fitness.',
  }),
  int({
    key: 'tournamentSize',
    label: 'Tournament size',
    flag: 'tournament-size',
    url: 'tour',
    group: 'ga',
    optional: true,
    min: 1,
    max: 200,
    default: ga.tournamentSize,
    appliesIf: { key: 'selection', oneOf: ['tournament'] },
    help: 'Individuals per tournament; larger means stronger selection.',
  }),
  int({
    key: 'elitism',
    label: 'Elitism',
    flag: 'elitism',
    url: 'elite',
    group: 'ga',
    optional: true,
    min: 0,
    max: 199,
    default: ga.elitism,
    appliesIf: ACCURACY_ONLY,
    help: 'Best individuals copied unchanged into the next phase.',
  }),
  int({
    key: 'hallOfFameSize',
    label: 'Hall of fame size',
    flag: 'hall-of-fame',
    url: 'hof',
    group: 'ga',
    optional: true,
    min: 1,
    max: 100,
    default: ga.hallOfFameSize,
    help: 'Best distinct chromosomes remembered over the whole run.',
  }),
  // How much the search spends: the strategy, successive halving and the budget per candidate (all off by default, as
  // in the paper).
  choice({
    key: 'strategy',
    label: 'Search strategy',
    flag: 'strategy',
    metavar: 'KIND',
    url: 'strategy',
    group: 'search',
    optional: true,
    choices: STRATEGY_KINDS,
    default: 'ga',
    help: 'The genetic algorithm, or random search: each phase drawn afresh from the same gene domains (the baseline the GA should beat).',
    choiceLabels: {
      ga: 'Genetic algorithm (selection, crossover, mutation)',
      random: 'Random search (each phase drawn afresh)',
    },
  }),
  choice({
    key: 'fidelity',
    label: 'Fidelity',
    flag: 'fidelity',
    metavar: 'MODE',
    url: 'fid',
    group: 'search',
    optional: true,
    choices: FIDELITY_KINDS,
    default: 'full',
    help: 'Full: every new candidate trains all epochs. Halving: each phase trains its new candidates briefly, and only the best continue, up to the full epochs.',
    choiceLabels: {
      full: 'Full: every new candidate trains all epochs',
      halving: 'Successive halving: short trainings first, the best continue',
    },
  }),
  int({
    key: 'eta',
    label: 'Halving factor',
    flag: 'eta',
    metavar: 'N',
    url: 'eta',
    group: 'search',
    optional: true,
    min: 2,
    max: 10,
    default: DEFAULT_ETA,
    appliesIf: { key: 'fidelity', oneOf: ['halving'] },
    help: 'Successive halving keeps the best 1/N of each rung; rungs train to ceil(epochs / N^k) epochs.',
  }),
  int({
    key: 'maxParams',
    label: 'Max parameters',
    flag: 'max-params',
    metavar: 'N',
    url: 'maxp',
    group: 'search',
    optional: true,
    min: 1,
    max: 1_000_000_000,
    default: undefined,
    help: 'Candidates with more parameters are not trained (recorded over budget). Empty: no limit.',
  }),
  real({
    key: 'maxMflops',
    label: 'Max MFLOPs',
    flag: 'max-mflops',
    metavar: 'X',
    url: 'maxmf',
    group: 'search',
    optional: true,
    min: 0.001,
    max: 1_000_000,
    step: 1,
    default: undefined,
    help: 'Candidates needing more million floating-point operations per image (forward pass) are not trained. Empty: no limit.',
  }),
  real({
    key: 'maxSeconds',
    label: 'Max seconds per candidate',
    flag: 'max-seconds',
    metavar: 'S',
    url: 'maxs',
    group: 'search',
    optional: true,
    min: 1,
    max: 10_000_000,
    step: 10,
    default: undefined,
    help: 'A candidate still training after this many seconds is stopped and recorded over budget (results then depend on the machine). Empty: no limit.',
  }),
  int({
    key: 'batchSize',
    label: 'Batch size',
    flag: 'batch-size',
    url: 'batch',
    group: 'training',
    min: 1,
    max: 1024,
    default: 32,
    help: 'Images per training step.',
  }),
  int({
    key: 'patience',
    label: 'Patience',
    flag: 'patience',
    url: 'pat',
    group: 'training',
    min: 0,
    max: 100,
    default: 3,
    help: 'Epochs without a better validation loss before stopping, keeping the best epoch; 0 never stops early and keeps the last epoch.',
  }),
  // The paper gives no dense width or dropout rates: these defaults are ours, shown as settings.
  int({
    key: 'denseUnits',
    nest: 'network',
    label: 'Dense units',
    flag: 'dense-units',
    url: 'dense',
    group: 'training',
    min: 1,
    max: 4096,
    default: 256,
    help: 'Width of the hidden fully connected layer (the paper does not say).',
  }),
  real({
    key: 'dropoutConv',
    nest: 'network',
    label: 'Conv dropout',
    flag: 'dropout-conv',
    url: 'dconv',
    group: 'training',
    min: 0,
    max: 0.95,
    step: 0.05,
    default: 0.25,
    help: 'Dropout after each pooling layer.',
  }),
  real({
    key: 'dropoutDense',
    nest: 'network',
    label: 'Dense dropout',
    flag: 'dropout-dense',
    url: 'ddense',
    group: 'training',
    min: 0,
    max: 0.95,
    step: 0.05,
    default: 0.5,
    help: 'Dropout in the fully connected head, before the softmax layer.',
  }),
  flag({
    key: 'augmentFlip',
    label: 'Flip augmentation',
    flag: 'flip',
    url: 'flip',
    group: 'training',
    default: false,
    help: 'Mirror training images at random (faces are roughly symmetric).',
  }),
  choice({
    key: 'split',
    label: 'Split',
    flag: 'split',
    metavar: 'MODE',
    url: 'split',
    group: 'data',
    optional: true,
    choices: SPLIT_MODES,
    default: 'canonical',
    help: 'How the images are divided into training, validation (the fitness) and test.',
    choiceLabels: {
      canonical: 'Canonical: train on Training, fitness on PublicTest, test on PrivateTest',
      paper: 'Paper (leaky): 80/20 split, fitness measured on the test data',
      'paper-clean': 'Paper, clean: 80/20 split, validation carved from the 80%',
    },
  }),
] as const;

type Row = (typeof ROWS)[number];
/** The key of a run setting. */
export type SettingKey = Row['key'];
/** A row of the schema, its key typed. */
export type SettingRow = Setting & { readonly key: SettingKey };
/** Every run setting, in the order the lab and --help show them. */
export const SETTINGS: readonly SettingRow[] = ROWS;

type ValueOf<R> = R extends { readonly kind: 'int' | 'real' }
  ? number
  : R extends { readonly kind: 'flag' }
    ? boolean
    : R extends { readonly kind: 'choice'; readonly choices: readonly (infer C)[] }
      ? C
      : R extends { readonly kind: 'list'; readonly choices: readonly (infer C)[] }
        ? readonly C[]
        : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Fields<Rs> = Simplify<
  {
    readonly [R in Exclude<Rs, { readonly optional: true }> as R extends { readonly key: infer K extends string }
      ? K
      : never]: ValueOf<R>;
  } & {
    readonly [R in Extract<Rs, { readonly optional: true }> as R extends { readonly key: infer K extends string }
      ? K
      : never]?: ValueOf<R>;
  }
>;
type Nested = Extract<Row, { readonly nest: 'network' }>;

/** Network settings the paper leaves open (dense width, dropout rates). */
export type NetworkSettings = Fields<Nested>;
/** Everything a run needs; plain JSON (address, run.json, checkpoints). Derived from SETTINGS, so a row adds its field. */
export type RunConfig = Simplify<Fields<Exclude<Row, Nested>> & { readonly network: NetworkSettings }>;

type HasDefault<R> = R extends { readonly default: infer D } ? (undefined extends D ? never : R) : never;
type DefaultedKeys = Extract<HasDefault<Exclude<Row, Nested>>, { readonly optional: true }>['key'];
/** A RunConfig whose optional settings that have a default are all present (withDefaults). */
export type CompleteRunConfig = Simplify<
  RunConfig & { readonly [K in DefaultedKeys]-?: Exclude<RunConfig[K], undefined> }
>;

/** The schema row of this key; throws for an unknown key (a programming error). */
export function settingByKey(key: SettingKey): SettingRow {
  const s = SETTINGS.find((x) => x.key === key);
  if (!s) throw new Error(`unknown setting ${key}`);
  return s;
}

function storedValue(config: RunConfig, s: Setting): SettingValue | undefined {
  const holder = (s.nest === undefined ? config : config[s.nest]) as unknown as Readonly<
    Record<string, SettingValue | undefined>
  >;
  return holder[s.key];
}

/** The value of a setting in a config, its default when absent. */
export function settingValue(config: RunConfig, s: Setting): SettingValue | undefined {
  return storedValue(config, s) ?? s.default;
}

/** A copy of `config` with one setting changed (`undefined` removes an optional setting); `config` is not changed. */
export function withSetting(config: RunConfig, s: Setting, value: SettingValue | undefined): RunConfig {
  const put = (o: object): Record<string, unknown> => {
    const next: Record<string, unknown> = { ...o };
    if (value === undefined) delete next[s.key];
    else next[s.key] = value;
    return next;
  };
  return (s.nest === undefined ? put(config) : { ...config, [s.nest]: put(config[s.nest]) }) as unknown as RunConfig;
}

/** True when two values of a setting are equal (lists element by element). */
export function sameValue(a: SettingValue | undefined, b: SettingValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** The starting settings of every run, in the lab and the CLI: each row's default. */
export const DEFAULT_RUN_CONFIG: CompleteRunConfig = SETTINGS.reduce<RunConfig>(
  (c, s) => (s.default === undefined ? c : withSetting(c, s, s.default)),
  { network: {} } as unknown as RunConfig,
) as CompleteRunConfig;

/** `config` with every absent optional setting that has a default filled in; `config` is not changed. */
export function withDefaults(config: RunConfig): CompleteRunConfig {
  let c = config;
  for (const s of SETTINGS) {
    if (s.default !== undefined && storedValue(c, s) === undefined) c = withSetting(c, s, s.default);
  }
  return c as CompleteRunConfig;
}

/** The result of reading a setting's text: its value (`undefined`: an optional setting left unset), or why not. */
export type ParsedSetting = { readonly value: SettingValue | undefined } | { readonly error: string };

/**
 * Reads a setting from text: a form field, a query parameter or a command-line value. An error completes
 * "<Label> ..." in the lab and "--flag ..." in the CLI, so both say the same.
 */
export function parseSettingText(s: Setting, text: string): ParsedSetting {
  const t = text.trim();
  if (s.kind === 'flag')
    return t === 'true' || t === '1'
      ? { value: true }
      : t === 'false' || t === '0'
        ? { value: false }
        : { error: 'must be true or false' };
  if (t === '') return s.optional && s.default === undefined ? { value: undefined } : { error: 'needs a value' };
  if (s.kind === 'choice')
    return s.choices.includes(t) ? { value: t } : { error: `must be one of ${s.choices.join(', ')}` };
  if (s.kind === 'list') {
    const items = t.split(',').map((x) => x.trim());
    const ok = items.every((x) => s.choices.includes(x)) && new Set(items).size === items.length;
    if (!ok) return { error: `must be a comma-separated list of distinct values from ${s.choices.join(', ')}` };
    const own = s.check?.(items) ?? null;
    return own === null ? { value: items } : { error: own };
  }
  const v = Number(t);
  if (!Number.isFinite(v)) return { error: s.kind === 'int' ? 'must be a whole number' : 'must be a number' };
  if (s.kind === 'int' && !Number.isInteger(v)) return { error: 'must be a whole number' };
  if (v < s.min || v > s.max) return { error: `must be from ${s.min} to ${s.max}` };
  const own = s.kind === 'int' ? (s.check?.(v) ?? null) : null;
  return own === null ? { value: v } : { error: own };
}

/** The text of a value that parseSettingText reads back (for the address and messages). */
export function settingText(value: SettingValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** A rule between settings: the message (completing "<Label> ...") is shown at `key`; `repair` makes the config obey. */
export interface CrossRule {
  readonly key: SettingKey;
  readonly problem: (config: RunConfig) => string | null;
  /** The config with `key` moved to the nearest allowed value. */
  readonly repair: (config: RunConfig) => RunConfig;
}

/** Rules that involve more than one setting. */
export const CROSS_RULES: readonly CrossRule[] = [
  {
    // A tournament larger than the population is fine (DEAP draws contestants with replacement); elitism is not.
    key: 'elitism',
    problem: (c) =>
      (c.elitism ?? DEFAULT_RUN_CONFIG.elitism) > c.populationSize - 1
        ? `must be at most ${c.populationSize - 1} (population minus one)`
        : null,
    repair: (c) => ({ ...c, elitism: c.populationSize - 1 }),
  },
  {
    // Halving promotes by one number; NSGA-II ranks fronts, and a front mixing accuracies after 2 and after 10 epochs
    // would compare unlike things. The GA engine refuses the combination too (validateGaConfig).
    key: 'fidelity',
    problem: (c) =>
      (c.objectives?.length ?? 1) >= 2 && c.fidelity === 'halving'
        ? 'must be full with two or more objectives (successive halving ranks by accuracy alone)'
        : null,
    repair: (c) => ({ ...c, fidelity: 'full' }),
  },
];

/** The broken cross-setting rules of a config: message by setting key. */
export function crossProblems(config: RunConfig): Partial<Record<SettingKey, string>> {
  const problems: Partial<Record<SettingKey, string>> = {};
  for (const rule of CROSS_RULES) {
    const p = rule.problem(config);
    if (p !== null && problems[rule.key] === undefined) problems[rule.key] = p;
  }
  return problems;
}

/** The values a choice or list setting offers, each with the lab's text for it; none for other kinds. */
export function settingOptions(s: Setting): { readonly value: string; readonly label: string }[] {
  if (s.kind === 'choice') return s.choices.map((value) => ({ value, label: s.choiceLabels?.[value] ?? value }));
  if (s.kind === 'list') return s.choices.map((value) => ({ value, label: s.choiceLabels?.[value] ?? value }));
  return [];
}

/** True when the setting matters for this config (see `appliesIf`; a list compares as its comma-separated text). */
export function settingApplies(config: RunConfig, s: Setting): boolean {
  if (s.appliesIf === undefined) return true;
  const { key, oneOf } = s.appliesIf;
  const other = settingValue(config, settingByKey(key as SettingKey));
  return (
    other !== undefined && typeof other !== 'boolean' && typeof other !== 'number' && oneOf.includes(settingText(other))
  );
}
