/** Shared number formats of the views. */
import type { Chromosome } from '../worker/api';

/** 0.1234 -> "12.34%"; null or NaN -> "–". */
export const pct = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(digits)}%`);

/** Seconds as "12.3 s", "4 min 05 s" or "2 h 03 min". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A chromosome on one line: filters/kernel/activation per conv layer, then optimizer and learning rate. */
export function chromosomeSummary(c: Chromosome): string {
  return `${c.conv.map((g) => `${g.filters}·${g.kernel}x${g.kernel}·${g.activation}`).join(' | ')} · ${c.optimizer} ${c.learningRate.toPrecision(3)}`;
}

/** The paper's name of a phase: the initial population, then generations 1..N. */
export const phaseName = (phase: number): string => (phase === 0 ? 'Initial population' : `Generation ${phase}`);
