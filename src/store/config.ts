/** Settings slice: the run configuration the user edits, with the schema's defaults, presets and in-place validation. */
import type { StateCreator } from 'zustand';
import type { RunConfig } from '../worker/api';
import {
  crossProblems,
  DEFAULT_RUN_CONFIG,
  parseSettingText,
  SETTINGS,
  settingByKey,
  withSetting,
  type SettingKey,
} from '../settings';
import { applyPreset } from './settings';

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
export function settingsErrors(
  config: RunConfig,
  drafts: Partial<Record<SettingKey, string>>,
): Partial<Record<SettingKey, string>> {
  const errors: Partial<Record<SettingKey, string>> = {};
  for (const s of SETTINGS) {
    const key = s.key;
    const text = drafts[key];
    if (text === undefined) continue;
    const r = parseSettingText(s, text);
    if ('error' in r) errors[key] = `${s.label} ${r.error}.`;
  }
  for (const [key, message] of Object.entries(crossProblems(config)) as [SettingKey, string][]) {
    errors[key] ??= `${settingByKey(key).label} ${message}.`;
  }
  return errors;
}

export const createConfigSlice: StateCreator<ConfigSlice, [], [], ConfigSlice> = (set) => ({
  config: DEFAULT_RUN_CONFIG,
  drafts: {},
  urlErrors: [],
  setSetting: (key, text) =>
    set((s) => {
      const setting = settingByKey(key);
      const r = parseSettingText(setting, text);
      return {
        drafts: { ...s.drafts, [key]: text },
        config: 'error' in r ? s.config : withSetting(s.config, setting, r.value),
      };
    }),
  applyPreset: (name) =>
    set((s) => {
      const config = applyPreset(s.config, name);
      return config ? { config, drafts: {} } : {};
    }),
  loadConfig: (config, errors) => set({ config, drafts: {}, urlErrors: errors }),
});
