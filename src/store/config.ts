/** Settings slice: the run configuration the user edits, with the paper's defaults. */
import type { StateCreator } from 'zustand';
import type { RunConfig } from '../worker/api';

/** The paper's GA settings (population 10, 3 generations, crossover 0.2, mutation 0.1) with quick training defaults. */
export const DEFAULT_CONFIG: RunConfig = {
  seed: 42,
  populationSize: 10,
  generations: 3,
  crossoverRate: 0.2,
  mutationRate: 0.1,
  maxFilters: 1024,
  epochs: 10,
  batchSize: 32,
  patience: 3,
  augmentFlip: false,
  network: { denseUnits: 256, dropoutConv: 0.25, dropoutDense: 0.5 },
  perClass: 0,
};

/** Bounds of each numeric setting; the form refuses values outside them. */
export const CONFIG_LIMITS = {
  populationSize: { min: 2, max: 200 },
  generations: { min: 0, max: 100 },
  epochs: { min: 1, max: 500 },
  perClass: { min: 0, max: 100_000 },
  maxFilters: { min: 2, max: 1024 },
  seed: { min: 0, max: 2 ** 31 - 1 },
} as const;

export type NumericSetting = keyof typeof CONFIG_LIMITS;

/** An error message for a value of a setting, or null when it is valid. */
export function settingError(key: NumericSetting, value: number): string | null {
  const { min, max } = CONFIG_LIMITS[key];
  if (!Number.isInteger(value)) return 'must be a whole number';
  if (value < min || value > max) return `must be from ${min} to ${max}`;
  if (key === 'maxFilters' && !Number.isInteger(Math.log2(value))) return 'must be a power of two';
  return null;
}

export interface ConfigSlice {
  config: RunConfig;
  /** Raw text of each numeric field, so an invalid entry stays visible while it is corrected. */
  drafts: Partial<Record<NumericSetting, string>>;
  setSetting: (key: NumericSetting, text: string) => void;
}

export const createConfigSlice: StateCreator<ConfigSlice, [], [], ConfigSlice> = (set) => ({
  config: DEFAULT_CONFIG,
  drafts: {},
  setSetting: (key, text) =>
    set((s) => {
      const value = Number(text);
      const valid = text.trim() !== '' && settingError(key, value) === null;
      return {
        drafts: { ...s.drafts, [key]: text },
        config: valid ? { ...s.config, [key]: value } : s.config,
      };
    }),
});
