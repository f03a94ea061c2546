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

/** The paper's name of a phase: the initial population, then generations 1..N. */
export const phaseName = (phase: number): string => (phase === 0 ? 'Initial population' : `Generation ${phase}`);
