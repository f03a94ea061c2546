/** The lab's side of the settings schema (src/settings): presets and the settings in the address. */
import {
  CROSS_RULES,
  DEFAULT_RUN_CONFIG,
  parseSettingText,
  sameValue,
  SETTINGS,
  settingByKey,
  settingText,
  settingValue,
  withSetting,
  type RunConfig,
  type SettingKey,
} from '../settings';

/** The settings that belong to the data and the run's identity rather than to a preset. */
const NOT_IN_PRESETS: ReadonlySet<SettingKey> = new Set<SettingKey>(['seed', 'split']);

/** Named starting points; each sets every setting but the seed and the split. */
export const PRESETS: readonly { readonly name: string; readonly config: RunConfig }[] = [
  { name: 'Paper: population 10, 3 generations', config: DEFAULT_RUN_CONFIG },
  // A few minutes on a laptop's wasm backend: 8 small networks on 350 images. With filters up to 32, random draws need
  // 20 MFLOPs per image at the median and 90 at the 90th percentile (93k and 318k parameters): the budget keeps out
  // the slowest tenth to quarter, and a candidate that still takes two minutes is stopped.
  {
    name: 'Quick look',
    config: {
      ...DEFAULT_RUN_CONFIG,
      populationSize: 4,
      generations: 1,
      epochs: 2,
      perClass: 50,
      maxFilters: 32,
      maxParams: 300_000,
      maxMflops: 50,
      maxSeconds: 120,
    },
  },
];

/** `config` with every preset setting taken from the named preset (seed and split kept); `config` is not changed. */
export function applyPreset(config: RunConfig, name: string): RunConfig | null {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset) return null;
  let next = preset.config;
  for (const key of NOT_IN_PRESETS) {
    const s = settingByKey(key);
    next = withSetting(next, s, settingValue(config, s));
  }
  return next;
}

/** The preset this config equals (seed and split aside), or null for a custom one. */
export function matchingPreset(c: RunConfig): string | null {
  const compared = SETTINGS.filter((s) => !NOT_IN_PRESETS.has(s.key));
  return (
    PRESETS.find((p) => compared.every((s) => sameValue(settingValue(p.config, s), settingValue(c, s))))?.name ?? null
  );
}

/** Query parameters of the settings that differ from the defaults (short names), so shared links stay readable. */
export function configToQuery(c: RunConfig, defaults: RunConfig = DEFAULT_RUN_CONFIG): URLSearchParams {
  const q = new URLSearchParams();
  for (const s of SETTINGS) {
    const v = settingValue(c, s);
    if (v !== undefined && !sameValue(v, settingValue(defaults, s))) q.set(s.url, settingText(v));
  }
  return q;
}

/**
 * Reads settings from a query string over `base`; unknown parameters (such as `backend`) are left alone, bad values
 * are reported ("<key>=<text>: <Label> <message>") and skipped, and a broken rule between settings is repaired.
 */
export function configFromQuery(
  search: string | URLSearchParams,
  base: RunConfig = DEFAULT_RUN_CONFIG,
): { config: RunConfig; errors: string[] } {
  const q = typeof search === 'string' ? new URLSearchParams(search) : search;
  let config = base;
  const errors: string[] = [];
  for (const s of SETTINGS) {
    const text = q.get(s.url);
    if (text === null) continue;
    const r = parseSettingText(s, text);
    if ('error' in r) errors.push(`${s.url}=${text}: ${s.label} ${r.error}`);
    else config = withSetting(config, s, r.value);
  }
  for (const rule of CROSS_RULES) {
    const problem = rule.problem(config);
    if (problem === null) continue;
    config = rule.repair(config);
    const s = settingByKey(rule.key);
    const given = q.get(s.url);
    errors.push(
      `${given === null ? '' : `${s.url}=${given}: `}${s.label} ${problem}; using ${settingText(settingValue(config, s) ?? '')}`,
    );
  }
  return { config, errors };
}

/** Replaces the settings part of a query string, keeping other parameters (`backend=`). */
export function mergeQuery(search: string, c: RunConfig): string {
  const q = new URLSearchParams(search);
  for (const s of SETTINGS) q.delete(s.url);
  for (const [k, v] of configToQuery(c)) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}
