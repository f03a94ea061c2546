/** Every run setting described once: label, help, limits, how it reads and writes RunConfig, and its URL name. Pure. */
import { GENE_COUNT } from '../ga/genes';
import type { CrossoverKind, SelectionKind } from '../ga/config';
import type { RunConfig, SplitMode } from '../worker/api';
import { DEFAULT_RUN_CONFIG } from '../experiment/defaults';

/** The lab's starting settings (src/experiment/defaults.ts). */
export const DEFAULT_CONFIG: RunConfig = DEFAULT_RUN_CONFIG;

type Value = number | string | boolean;

const SPLIT_PARAM = 'split';
const SPLIT_MODES: readonly SplitMode[] = ['canonical', 'paper', 'paper-clean'];

interface Common {
  readonly key: string;
  /** Short name in the address bar (?pop=10&gens=3). */
  readonly url: string;
  readonly label: string;
  readonly help: string;
  readonly group: 'ga' | 'training' | 'data';
  readonly get: (c: RunConfig) => Value;
  readonly set: (c: RunConfig, v: Value) => RunConfig;
}
export interface NumberSetting extends Common {
  readonly kind: 'int' | 'real';
  readonly min: number;
  readonly max: number;
  readonly step?: number;
}
export interface ChoiceSetting extends Common {
  readonly kind: 'choice';
  readonly options: readonly { readonly value: string; readonly label: string }[];
}
export interface FlagSetting extends Common {
  readonly kind: 'flag';
}
export type Setting = NumberSetting | ChoiceSetting | FlagSetting;

const top = <K extends keyof RunConfig>(key: K) => ({
  get: (c: RunConfig): Value => c[key] as Value,
  set: (c: RunConfig, v: Value): RunConfig => ({ ...c, [key]: v }),
});
const net = <K extends keyof RunConfig['network']>(key: K) => ({
  get: (c: RunConfig): Value => c.network[key],
  set: (c: RunConfig, v: Value): RunConfig => ({ ...c, network: { ...c.network, [key]: v } }),
});

/** All settings in display order. The first six keep the accessible names outside tests rely on. */
export const SETTINGS: readonly Setting[] = [
  { key: 'populationSize', url: 'pop', label: 'Population', kind: 'int', min: 2, max: 200, group: 'ga', help: 'Individuals per phase (paper: 10).', ...top('populationSize') },
  { key: 'generations', url: 'gens', label: 'Generations', kind: 'int', min: 0, max: 100, group: 'ga', help: 'Generations after the initial population (paper: 3, so 4 phases).', ...top('generations') },
  { key: 'epochs', url: 'epochs', label: 'Epochs', kind: 'int', min: 1, max: 500, group: 'training', help: 'Training epochs per candidate; early stopping may end sooner.', ...top('epochs') },
  { key: 'perClass', url: 'per', label: 'Images per class', kind: 'int', min: 0, max: 100_000, group: 'data', help: 'Cap per class in each split for quick runs; 0 uses all.', ...top('perClass') },
  { key: 'maxFilters', url: 'maxf', label: 'Max filters', kind: 'int', min: 2, max: 1024, group: 'ga', help: 'Upper bound of the filter gene (a power of two, paper: 1024).', ...top('maxFilters') },
  { key: 'seed', url: 'seed', label: 'Seed', kind: 'int', min: 0, max: 2 ** 31 - 1, group: 'ga', help: 'Same seed, same run: population, shuffles and weights.', ...top('seed') },
  {
    key: 'crossover', url: 'cx', label: 'Crossover', kind: 'choice', group: 'ga', help: 'How two parents swap genes: cut the gene list at 1, 2 or k points.',
    options: [{ value: 'one-point', label: 'one-point' }, { value: 'two-point', label: 'two-point' }, { value: 'k-point', label: 'k-point' }], ...top('crossover'),
  },
  { key: 'crossoverPoints', url: 'cxk', label: 'Crossover points', kind: 'int', min: 1, max: GENE_COUNT - 1, group: 'ga', help: `Cut points of k-point crossover (1 to ${GENE_COUNT - 1}).`, ...top('crossoverPoints') },
  { key: 'crossoverRate', url: 'cxpb', label: 'Crossover rate', kind: 'real', min: 0, max: 1, step: 0.05, group: 'ga', help: 'Chance that a pair of offspring is mated (paper: 0.2).', ...top('crossoverRate') },
  { key: 'mutationRate', url: 'mutpb', label: 'Mutation rate', kind: 'real', min: 0, max: 1, step: 0.05, group: 'ga', help: 'Chance that an offspring is mutated (paper: 0.1).', ...top('mutationRate') },
  {
    key: 'selection', url: 'sel', label: 'Selection', kind: 'choice', group: 'ga', help: 'How parents are picked: best of a random tournament, or in proportion to fitness.',
    options: [{ value: 'tournament', label: 'tournament' }, { value: 'roulette', label: 'roulette' }], ...top('selection'),
  },
  { key: 'tournamentSize', url: 'tour', label: 'Tournament size', kind: 'int', min: 1, max: 200, group: 'ga', help: 'Individuals per tournament; larger means stronger selection.', ...top('tournamentSize') },
  { key: 'elitism', url: 'elite', label: 'Elitism', kind: 'int', min: 0, max: 199, group: 'ga', help: 'Best individuals copied unchanged into the next phase.', ...top('elitism') },
  { key: 'hallOfFameSize', url: 'hof', label: 'Hall of fame size', kind: 'int', min: 1, max: 100, group: 'ga', help: 'Best distinct chromosomes remembered over the whole run.', ...top('hallOfFameSize') },
  { key: 'batchSize', url: 'batch', label: 'Batch size', kind: 'int', min: 1, max: 1024, group: 'training', help: 'Images per training step.', ...top('batchSize') },
  { key: 'patience', url: 'pat', label: 'Patience', kind: 'int', min: 0, max: 100, group: 'training', help: 'Epochs without a better validation loss before stopping; 0 never stops early.', ...top('patience') },
  { key: 'denseUnits', url: 'dense', label: 'Dense units', kind: 'int', min: 1, max: 4096, group: 'training', help: 'Width of the hidden fully connected layer (the paper does not say).', ...net('denseUnits') },
  { key: 'dropoutConv', url: 'dconv', label: 'Conv dropout', kind: 'real', min: 0, max: 0.95, step: 0.05, group: 'training', help: 'Dropout after each pooling layer.', ...net('dropoutConv') },
  { key: 'dropoutDense', url: 'ddense', label: 'Dense dropout', kind: 'real', min: 0, max: 0.95, step: 0.05, group: 'training', help: 'Dropout in the fully connected head.', ...net('dropoutDense') },
  { key: 'augmentFlip', url: 'flip', label: 'Flip augmentation', kind: 'flag', group: 'training', help: 'Mirror training images at random (faces are roughly symmetric).', ...top('augmentFlip') },
];

export type SettingKey = string;

/** The setting with this key; throws for an unknown key (a programming error). */
export function settingByKey(key: SettingKey): Setting {
  const s = SETTINGS.find((x) => x.key === key);
  if (!s) throw new Error(`unknown setting ${key}`);
  return s;
}

/** Parses a field's text into its value, or an error message that completes "<Label> ...". */
export function parseSetting(s: Setting, text: string): { value: Value } | { error: string } {
  if (s.kind === 'flag') return text === 'true' || text === '1' ? { value: true } : text === 'false' || text === '0' ? { value: false } : { error: 'must be true or false' };
  if (s.kind === 'choice') return s.options.some((o) => o.value === text) ? { value: text } : { error: `must be one of ${s.options.map((o) => o.value).join(', ')}` };
  if (text.trim() === '') return { error: 'required' };
  const v = Number(text);
  if (!Number.isFinite(v)) return { error: 'must be a number' };
  if (s.kind === 'int' && !Number.isInteger(v)) return { error: 'must be a whole number' };
  if (v < s.min || v > s.max) return { error: `must be from ${s.min} to ${s.max}` };
  if (s.key === 'maxFilters' && !Number.isInteger(Math.log2(v))) return { error: 'must be a power of two' };
  return { value: v };
}

/** Errors that involve more than one setting, keyed by the setting to show them at. */
export function crossErrors(c: RunConfig): Record<SettingKey, string> {
  const errors: Record<SettingKey, string> = {};
  // A tournament larger than the population is fine (DEAP draws contestants with replacement); elitism is not.
  if ((c.elitism ?? 0) > c.populationSize - 1) errors.elitism = `must be at most ${c.populationSize - 1} (population minus one)`;
  return errors;
}

/** Named starting points; each sets everything but the seed. */
export const PRESETS: readonly { readonly name: string; readonly config: Omit<RunConfig, 'seed'> }[] = [
  { name: 'Paper: population 10, 3 generations', config: withoutSeed(DEFAULT_CONFIG) },
  // A few minutes on a laptop's wasm backend: 8 small networks on 350 images.
  { name: 'Quick look', config: { ...withoutSeed(DEFAULT_CONFIG), populationSize: 4, generations: 1, epochs: 2, perClass: 50, maxFilters: 32 } },
];

function withoutSeed(c: RunConfig): Omit<RunConfig, 'seed'> {
  const { seed: _seed, ...rest } = c;
  return rest;
}

/** The preset this config equals (seed aside), or null for a custom one. */
export function matchingPreset(c: RunConfig): string | null {
  const current = SETTINGS.filter((s) => s.key !== 'seed').map((s) => s.get(c));
  const hit = PRESETS.find((p) => {
    const pc = { ...p.config, seed: c.seed };
    return SETTINGS.filter((s) => s.key !== 'seed').every((s, i) => s.get(pc) === current[i]);
  });
  return hit?.name ?? null;
}

/** Query parameters of the settings that differ from the defaults (short names), so shared links stay readable. */
export function configToQuery(c: RunConfig, defaults: RunConfig = DEFAULT_CONFIG): URLSearchParams {
  const q = new URLSearchParams();
  // The split is chosen in the dataset panel; it travels in the address with the rest.
  if (c.split !== undefined && c.split !== 'canonical') q.set(SPLIT_PARAM, c.split);
  for (const s of SETTINGS) {
    const v = s.get(c);
    if (v !== s.get(defaults)) q.set(s.url, String(v));
  }
  return q;
}

/** Reads settings from a query string over `base`; unknown parameters (such as `backend`) are left alone, bad values are reported and skipped. */
export function configFromQuery(search: string | URLSearchParams, base: RunConfig = DEFAULT_CONFIG): { config: RunConfig; errors: string[] } {
  const q = typeof search === 'string' ? new URLSearchParams(search) : search;
  let config = base;
  const errors: string[] = [];
  for (const s of SETTINGS) {
    const text = q.get(s.url);
    if (text === null) continue;
    const r = parseSetting(s, text);
    if ('error' in r) errors.push(`${s.url}=${text}: ${s.label} ${r.error}`);
    else config = s.set(config, r.value);
  }
  const split = q.get(SPLIT_PARAM);
  if (split !== null) {
    if ((SPLIT_MODES as readonly string[]).includes(split)) config = { ...config, split: split as SplitMode };
    else errors.push(`${SPLIT_PARAM}=${split}: the split must be one of ${SPLIT_MODES.join(', ')}`);
  }
  const cross = crossErrors(config);
  if (cross.elitism !== undefined) {
    const fixed = config.populationSize - 1;
    errors.push(`Elitism ${cross.elitism}; using ${fixed}`);
    config = { ...config, elitism: fixed };
  }
  return { config, errors };
}

/** Replaces the settings part of a query string, keeping other parameters (`backend=`). */
export function mergeQuery(search: string, c: RunConfig): string {
  const q = new URLSearchParams(search);
  for (const s of SETTINGS) q.delete(s.url);
  q.delete(SPLIT_PARAM);
  for (const [k, v] of configToQuery(c)) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

export type { CrossoverKind, SelectionKind };
