/** Formats of saved runs shared by the history views and the app wiring. */
import type { StoredRunSummary } from '../worker/api';

/** The local date and time a saved run is known by, e.g. "2025-05-01 14:03:07". */
export function runLabel(createdAt: string): string {
  const d = new Date(createdAt);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The settings of a run on one line: population, phases, epochs, filter cap, images per class, seed. */
export function settingsSummary(r: StoredRunSummary): string {
  const c = r.config;
  return `pop ${c.populationSize}, ${c.generations + 1} phases, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, ≤${c.maxFilters} filters, ${c.perClass > 0 ? `${c.perClass}/class` : 'all images'}, seed ${c.seed}`;
}

/** What a saved run's status means to a person. */
export function statusText(r: StoredRunSummary): string {
  if (r.elsewhere) return 'running in another tab';
  switch (r.status) {
    case 'running':
      return 'running here';
    case 'interrupted':
      return r.resumable ? 'interrupted (can resume)' : 'interrupted';
    case 'done':
      return 'done';
    case 'stopped':
      return r.resumable ? 'stopped (can resume)' : 'stopped';
  }
}
