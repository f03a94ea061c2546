/**
 * Command-line flags and --help generated from the settings schema (src/settings), for any command that takes some of
 * the run settings: the same names, ranges, defaults and messages as the lab's settings form.
 */
import {
  crossProblems,
  DEFAULT_RUN_CONFIG,
  parseSettingText,
  settingByKey,
  settingText,
  settingValue,
  withSetting,
  type RunConfig,
  type Setting,
  type SettingKey,
} from '../src/settings';

/** A flag of a command that is not a run setting (--csv FILE, --resume). */
export interface CommandFlag {
  readonly name: string;
  /** The value's placeholder; a flag without one is a switch. */
  readonly metavar?: string;
  readonly help: string;
}

/** A command's flags in --help order: run settings by key, and flags of its own. */
export type CommandOptions = readonly (SettingKey | CommandFlag)[];

/** What a command line asks for. `flags` holds the command's own flags (a switch as `true`); `given` every flag named. */
export type CommandLine =
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string }
  | {
      readonly kind: 'ok';
      readonly config: RunConfig;
      readonly flags: ReadonlyMap<string, string | true>;
      readonly given: ReadonlySet<string>;
    };

type Entry = { readonly setting: Setting; readonly negated: boolean } | { readonly flag: CommandFlag };

function entries(options: CommandOptions): Map<string, Entry> {
  const map = new Map<string, Entry>();
  const add = (name: string, e: Entry): void => {
    if (map.has(name)) throw new Error(`--${name} is defined twice`);
    map.set(name, e);
  };
  for (const o of options) {
    if (typeof o === 'string') {
      const setting = settingByKey(o);
      add(setting.flag, { setting, negated: false });
      if (setting.kind === 'flag') add(`no-${setting.flag}`, { setting, negated: true });
    } else {
      add(o.name, { flag: o });
    }
  }
  return map;
}

/** The one-line message for a bad value: the lab's message for the same value, after the flag's name. */
export function valueError(s: Setting, message: string, text: string): string {
  return text.trim() === '' ? `--${s.flag} ${message}` : `--${s.flag} ${message}, got "${text}"`;
}

/**
 * Reads the value of a command's own flag that takes what a number setting takes (`--final-epochs` like `--epochs`):
 * the setting's range and message, after this flag's name.
 */
export function parseLikeSetting(
  key: SettingKey,
  flag: string,
  text: string,
): { readonly value: number } | { readonly error: string } {
  const s = settingByKey(key);
  const r = parseSettingText(s, text);
  if ('error' in r) return { error: valueError({ ...s, flag }, r.error, text) };
  if (typeof r.value !== 'number') return { error: `--${flag} needs a value` };
  return { value: r.value };
}

/**
 * Parses argv (without node and script) against a command's options; never throws. Settings not given keep their
 * value in `base`. Reports the first problem: a syntax error, a bad value, then a broken rule between settings.
 */
export function parseCommandLine(
  argv: readonly string[],
  options: CommandOptions,
  base: RunConfig = DEFAULT_RUN_CONFIG,
): CommandLine {
  const known = entries(options);
  const raw = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' && known.has('help')) return { kind: 'help' };
    if (!arg.startsWith('--'))
      return { kind: 'error', message: `unexpected argument "${arg}" (options start with --; see --help)` };
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const entry = known.get(name);
    if (entry === undefined) return { kind: 'error', message: `unknown option --${name} (see --help)` };
    if (raw.has(name)) return { kind: 'error', message: `--${name} given twice` };
    const isSwitch = 'setting' in entry ? entry.setting.kind === 'flag' : entry.flag.metavar === undefined;
    if (isSwitch) {
      if (eq >= 0) return { kind: 'error', message: `--${name} takes no value` };
      raw.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--')))
      return { kind: 'error', message: `--${name} needs a value` };
    raw.set(name, value);
  }
  if (raw.has('help') && known.has('help')) return { kind: 'help' };

  let config = base;
  const flags = new Map<string, string | true>();
  for (const [name, value] of raw) {
    const entry = known.get(name) as Entry;
    if ('flag' in entry) {
      flags.set(name, value);
      continue;
    }
    const s = entry.setting;
    if (s.kind === 'flag') {
      if (raw.has(s.flag) && raw.has(`no-${s.flag}`))
        return { kind: 'error', message: `--${s.flag} and --no-${s.flag} contradict each other` };
      config = withSetting(config, s, !entry.negated);
      continue;
    }
    const r = parseSettingText(s, value as string);
    if ('error' in r) return { kind: 'error', message: valueError(s, r.error, value as string) };
    config = withSetting(config, s, r.value);
  }
  for (const [key, message] of Object.entries(crossProblems(config)) as [SettingKey, string][]) {
    const s = settingByKey(key);
    const value = settingValue(config, s);
    return { kind: 'error', message: valueError(s, message, value === undefined ? '' : settingText(value)) };
  }
  return { kind: 'ok', config, flags, given: new Set(raw.keys()) };
}

/** What --help says of a setting's values, in brackets: range or choices, and default. */
function valuesHelp(s: Setting): string {
  const d = s.default;
  const dflt = d === undefined ? 'unset by default' : `default ${settingText(d)}`;
  switch (s.kind) {
    case 'int':
    case 'real':
      return `[${s.min} to ${s.max}, ${dflt}]`;
    case 'choice':
      return `[${s.choices.join(' | ')}, ${dflt}]`;
    case 'list':
      return `[comma-separated from ${s.choices.join(', ')}, ${dflt}]`;
    case 'flag':
      return `[default ${s.default ? 'on' : 'off'}]`;
  }
}

const METAVAR: Record<Setting['kind'], string> = { int: 'N', real: 'X', choice: 'NAME', list: 'LIST', flag: '' };
const WIDTH = 116;

/** `left`, then `text` word-wrapped to WIDTH columns from column `indent` (on the next line when `left` is too long). */
function wrap(left: string, text: string, indent: number): string {
  const lines: string[] = [];
  let line = left.padEnd(indent);
  if (left.length > indent - 2) {
    lines.push(left);
    line = ' '.repeat(indent);
  }
  let empty = true;
  // A bracketed range stays on one line where it fits.
  const words = (text.match(/\[[^\]]*\]|\S+/g) ?? []).flatMap((w) => (w.length > WIDTH - indent ? w.split(' ') : [w]));
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The options part of a command's --help, one entry per flag in `options` order. */
export function optionsHelp(options: CommandOptions): string {
  const items = options.map((o) => {
    if (typeof o !== 'string')
      return { left: `--${o.name}${o.metavar === undefined ? '' : ` ${o.metavar}`}`, text: o.help };
    const s = settingByKey(o);
    const left = s.kind === 'flag' ? `--${s.flag} / --no-${s.flag}` : `--${s.flag} ${s.metavar ?? METAVAR[s.kind]}`;
    return { left, text: `${s.help} ${valuesHelp(s)}` };
  });
  const indent = Math.min(26, Math.max(...items.map((i) => i.left.length)) + 4);
  return items.map((i) => wrap(`  ${i.left}`, i.text, indent)).join('\n');
}
