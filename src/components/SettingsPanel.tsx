/** The run settings: number fields with their limits; an invalid value is shown in place and blocks Start. */
import { useLab } from '../store';
import { CONFIG_LIMITS, settingError, type NumericSetting } from '../store/config';

const FIELDS: { key: NumericSetting; label: string; help: string }[] = [
  { key: 'populationSize', label: 'Population', help: 'Individuals per phase (paper: 10).' },
  { key: 'generations', label: 'Generations', help: 'Generations after the initial population (paper: 3, so 4 phases).' },
  { key: 'epochs', label: 'Epochs', help: 'Training epochs per candidate; early stopping may end sooner.' },
  { key: 'perClass', label: 'Images per class', help: 'Cap per class in each split for quick runs; 0 uses all.' },
  { key: 'maxFilters', label: 'Max filters', help: 'Upper bound of the filter gene (a power of two, paper: 1024).' },
  { key: 'seed', label: 'Seed', help: 'Same seed, same run: population, shuffles and weights.' },
];

function SettingField({ field, disabled }: { field: (typeof FIELDS)[number]; disabled: boolean }) {
  const value = useLab((s) => s.config[field.key]);
  const draft = useLab((s) => s.drafts[field.key]);
  const setSetting = useLab((s) => s.setSetting);
  const text = draft ?? String(value);
  const error = text.trim() === '' ? 'required' : settingError(field.key, Number(text));
  const id = `setting-${field.key}`;
  const { min, max } = CONFIG_LIMITS[field.key];
  return (
    <div className="field">
      <label htmlFor={id}>{field.label}</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        value={text}
        disabled={disabled}
        aria-invalid={error !== null}
        aria-describedby={`${id}-help`}
        onChange={(e) => setSetting(field.key, e.target.value)}
      />
      <small id={`${id}-help`} className={error ? 'error' : 'help'}>
        {error ? `${field.label} ${error}.` : field.help}
      </small>
    </div>
  );
}

/** True when every numeric draft is valid. */
export function useSettingsValid(): boolean {
  return useLab((s) =>
    FIELDS.every(({ key }) => {
      const text = s.drafts[key];
      return text === undefined || (text.trim() !== '' && settingError(key, Number(text)) === null);
    }),
  );
}

export function SettingsPanel() {
  const status = useLab((s) => s.status);
  const busy = status === 'running' || status === 'starting' || status === 'stopping';
  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <div className="fields">
        {FIELDS.map((f) => (
          <SettingField key={f.key} field={f} disabled={busy} />
        ))}
      </div>
    </section>
  );
}
