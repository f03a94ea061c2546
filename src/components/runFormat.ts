/** Formats of saved runs shared by the history views and the app wiring. */
import type { RunConfig, StoredRunSummary } from '../worker/api';

/** The local date and time a saved run is known by, e.g. "2025-05-01 14:03:07". */
export function runLabel(createdAt: string): string {
  const d = new Date(createdAt);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** How a run searched, in a few words: the strategy and the fidelity (with its factor), e.g. "random search, halving ÷3". */
export function searchSummary(c: RunConfig): string {
  const strategy = c.strategy === 'random' ? 'random search' : 'GA';
  return c.fidelity === 'halving' ? `${strategy}, halving ÷${c.eta ?? 3}` : strategy;
}

/** The settings of a run on one line: search, population, phases, epochs, filter cap, images per class, budget, seed. */
export function settingsSummary(r: StoredRunSummary): string {
  const c = r.config;
  const budget = [
    c.maxParams === undefined ? null : `≤${c.maxParams.toLocaleString('en-US')} params`,
    c.maxMflops === undefined ? null : `≤${c.maxMflops} MFLOPs`,
    c.maxSeconds === undefined ? null : `≤${c.maxSeconds} s`,
  ].filter((x): x is string => x !== null);
  return (
    `${searchSummary(c)}, pop ${c.populationSize}, ${c.generations + 1} phases, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, ≤${c.maxFilters} filters, ` +
    `${c.perClass > 0 ? `${c.perClass}/class` : 'all images'}${budget.length ? `, budget ${budget.join(' ')}` : ''}, seed ${c.seed}`
  );
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
