/** How numbers read everywhere (the lab's views, report.md, the CLI's progress): fractions as percentages, seconds as durations, phase names. */

/** 0.1234 -> "12.34%" with `digits` decimals; null, undefined, NaN or infinite -> "–". */
export const pct = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(digits)}%`;

/** Seconds as the paper writes durations: "12.3 s", "4 min 05 s", "1 h 02 min 03 s"; negative or not finite -> "–". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h} h ${two(m)} min ${two(s % 60)} s` : `${m} min ${two(s % 60)} s`;
}

/** A duration as an estimate is said: whole seconds under 90 s (5 s steps from 10 s), whole minutes, then hours and minutes. */
export function roughDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90) return `${Math.round(seconds / 5) * 5} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** The paper's name of a phase: the initial population, then generations 1..N. */
export const phaseName = (phase: number): string => (phase === 0 ? 'Initial population' : `Generation ${phase}`);
