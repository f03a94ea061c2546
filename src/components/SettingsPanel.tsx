/** The run settings: presets, every GA, training and data setting with a short explanation; errors shown in place block Start. */
import { useMemo } from 'react';
import { useLab } from '../store';
import { settingsErrors } from '../store/config';
import { matchingPreset, PRESETS } from '../store/settings';
import {
  SETTINGS,
  settingApplies,
  settingOptions,
  settingText,
  settingValue,
  type SettingGroup,
  type SettingKey,
  type SettingRow,
} from '../settings';

const GROUPS: { id: SettingGroup | 'main'; title: string }[] = [
  { id: 'main', title: 'Run size' },
  { id: 'ga', title: 'Genetic algorithm' },
  { id: 'search', title: 'Search cost: strategy, fidelity and budget' },
  { id: 'training', title: 'Training' },
];
/** The six settings outside tests fill in, shown first. */
const MAIN = new Set<SettingKey>([
  'populationSize',
  'generations',
  'epochs',
  'perClass',
  'maxFilters',
  'objectives',
  'seed',
]);
/** Chosen in the dataset panel, beside the data it divides. */
const ELSEWHERE = new Set<SettingKey>(['split']);

function useErrors(): Record<string, string> {
  const config = useLab((s) => s.config);
  const drafts = useLab((s) => s.drafts);
  return useMemo(() => settingsErrors(config, drafts), [config, drafts]);
}

function SettingField({
  setting,
  disabled,
  error,
}: {
  setting: SettingRow;
  disabled: boolean;
  error: string | undefined;
}) {
  const value = useLab((s) => settingValue(s.config, setting));
  const draft = useLab((s) => s.drafts[setting.key]);
  const setSetting = useLab((s) => s.setSetting);
  // A setting that another setting makes irrelevant is greyed out, not hidden, so the form does not jump.
  const unused = !useLab((s) => settingApplies(s.config, setting));
  const id = `setting-${setting.key}`;
  const describedBy = `${id}-help`;
  const help = (
    <small id={describedBy} className={error ? 'error' : 'help'}>
      {error ?? setting.help}
    </small>
  );
  if (setting.kind === 'flag') {
    return (
      <div className="field flag">
        <label htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            disabled={disabled || unused}
            aria-describedby={describedBy}
            onChange={(e) => setSetting(setting.key, String(e.target.checked))}
          />{' '}
          {setting.label}
        </label>
        {help}
      </div>
    );
  }
  if (setting.kind === 'list') {
    // A list is a group of checkboxes; the address and the CLI write the same list comma-separated.
    const chosen = new Set(Array.isArray(value) ? value : []);
    const toggle = (choice: string, on: boolean): void => {
      const next = setting.choices.filter((c) => c === setting.required || (c === choice ? on : chosen.has(c)));
      setSetting(setting.key, next.join(','));
    };
    return (
      <fieldset className="field list" aria-describedby={describedBy}>
        <legend>{setting.label}</legend>
        {settingOptions(setting).map((o) => (
          <label key={o.value} className="inline">
            <input
              type="checkbox"
              checked={chosen.has(o.value) || o.value === setting.required}
              disabled={disabled || unused || o.value === setting.required}
              onChange={(e) => toggle(o.value, e.target.checked)}
            />{' '}
            {o.label}
          </label>
        ))}
        {help}
      </fieldset>
    );
  }
  if (setting.kind === 'choice') {
    return (
      <div className="field">
        <label htmlFor={id}>{setting.label}</label>
        <select
          id={id}
          value={draft ?? String(value)}
          disabled={disabled || unused}
          aria-describedby={describedBy}
          onChange={(e) => setSetting(setting.key, e.target.value)}
        >
          {settingOptions(setting).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        {help}
      </div>
    );
  }
  // Numbers get a spinner with the schema's range.
  const numeric = {
    inputMode: setting.kind === 'int' ? ('numeric' as const) : ('decimal' as const),
    min: setting.min,
    max: setting.max,
    step: setting.kind === 'int' ? 1 : setting.step,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{setting.label}</label>
      <input
        id={id}
        type="number"
        {...numeric}
        value={draft ?? (value === undefined ? '' : settingText(value))}
        disabled={disabled || unused}
        aria-invalid={error !== undefined}
        aria-describedby={describedBy}
        onChange={(e) => setSetting(setting.key, e.target.value)}
      />
      {help}
    </div>
  );
}

function PresetPicker({ disabled }: { disabled: boolean }) {
  const config = useLab((s) => s.config);
  const applyPreset = useLab((s) => s.applyPreset);
  const current = useMemo(() => matchingPreset(config), [config]);
  return (
    <div className="field preset">
      <label htmlFor="setting-preset">Preset</label>
      <select
        id="setting-preset"
        value={current ?? ''}
        disabled={disabled}
        aria-describedby="setting-preset-help"
        onChange={(e) => applyPreset(e.target.value)}
      >
        <option value="" disabled>
          Custom
        </option>
        {PRESETS.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
          </option>
        ))}
      </select>
      <small id="setting-preset-help" className="help">
        The paper's search, or a quick look that finishes in a few minutes on a laptop. Settings are kept in the
        address, so a link reproduces them.
      </small>
    </div>
  );
}

export function SettingsPanel() {
  const status = useLab((s) => s.status);
  const urlErrors = useLab((s) => s.urlErrors);
  const errors = useErrors();
  const busy = status === 'running' || status === 'starting' || status === 'stopping';
  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <PresetPicker disabled={busy} />
      {urlErrors.length > 0 ? (
        <div className="error" role="alert">
          <p>Some settings in the address were not used:</p>
          <ul>
            {urlErrors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {GROUPS.map((g) => (
        <fieldset key={g.id} className="fields">
          <legend>{g.title}</legend>
          {SETTINGS.filter(
            (s) =>
              !ELSEWHERE.has(s.key) &&
              (g.id === 'main'
                ? MAIN.has(s.key)
                : !MAIN.has(s.key) && (s.group === g.id || (g.id === 'training' && s.group === 'data'))),
          ).map((s) => (
            <SettingField key={s.key} setting={s} disabled={busy} error={errors[s.key]} />
          ))}
        </fieldset>
      ))}
    </section>
  );
}
