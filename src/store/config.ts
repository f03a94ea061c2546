/** Settings slice: the run configuration the user edits, with the paper's defaults, presets and in-place validation. */
import type { StateCreator } from 'zustand';
import type { RunConfig } from '../worker/api';
import { crossErrors, DEFAULT_CONFIG, parseSetting, PRESETS, SETTINGS, settingByKey, type SettingKey } from './settings';

export { DEFAULT_CONFIG };

export interface ConfigSlice {
  config: RunConfig;
  /** Raw text of each edited field, so an invalid entry stays visible while it is corrected. */
  drafts: Partial<Record<SettingKey, string>>;
  /** Settings in the address that could not be used, shown once above the form. */
  urlErrors: string[];
  setSetting: (key: SettingKey, text: string) => void;
  applyPreset: (name: string) => void;
  loadConfig: (config: RunConfig, errors: string[]) => void;
}

/** Error message of each setting whose draft or value is invalid ("<Label> <message>."), keyed by setting. */
export function settingsErrors(config: RunConfig, drafts: Partial<Record<SettingKey, string>>): Record<SettingKey, string> {
  const errors: Record<SettingKey, string> = {};
  for (const s of SETTINGS) {
    const text = drafts[s.key];
    if (text === undefined) continue;
    const r = parseSetting(s, text);
    if ('error' in r) errors[s.key] = `${s.label} ${r.error}.`;
  }
  for (const [key, message] of Object.entries(crossErrors(config))) {
    if (errors[key] === undefined) errors[key] = `${settingByKey(key).label} ${message}.`;
  }
  return errors;
}

export const createConfigSlice: StateCreator<ConfigSlice, [], [], ConfigSlice> = (set) => ({
  config: DEFAULT_CONFIG,
  drafts: {},
  urlErrors: [],
  setSetting: (key, text) =>
    set((s) => {
      const setting = settingByKey(key);
      const r = parseSetting(setting, text);
      return {
        drafts: { ...s.drafts, [key]: text },
        config: 'error' in r ? s.config : setting.set(s.config, r.value),
      };
    }),
  applyPreset: (name) =>
    set((s) => {
      const preset = PRESETS.find((p) => p.name === name);
      // The seed and the split (chosen with the dataset) are not part of a preset.
      return preset ? { config: { ...preset.config, seed: s.config.seed, ...(s.config.split === undefined ? {} : { split: s.config.split }) }, drafts: {} } : {};
    }),
  loadConfig: (config, errors) => set({ config, drafts: {}, urlErrors: errors }),
});
