/** report.md and its fitness chart for a run with a budget and successive halving: settings, epochs and rungs, over-budget and stopped points. */
import { describe, expect, it } from 'vitest';
import { PAPER_BEST } from '../../../src/ga';
import { fitnessChartSvg, renderReport } from '../../../src/experiment/report';
import type { RunLog } from '../../../src/experiment/runlog';
import type { IndividualRecord } from '../../../src/experiment/types';
import { DEFAULT_RUN_CONFIG } from '../../../src/settings';

const ind = (index: number, over: Partial<IndividualRecord>): IndividualRecord => ({
  phase: 0,
  index,
  chromosome: PAPER_BEST,
  fitness: null,
  status: 'trained',
  seconds: 1,
  params: 1000,
  ...over,
});

const log = (config: RunLog['config']): RunLog => ({
  format: 'evolab-run-log',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  seconds: 9,
  seed: 1,
  config,
  dataset: { name: 'x', synthetic: true, count: 1, split: 'canonical', train: 1, val: 1, test: 1 },
  backend: { name: 'wasm', reason: 'test' },
  phasesPlanned: 1,
  best: null,
  outcome: 'done',
  phases: [
    {
      phase: 0,
      rungEpochs: [1, 3],
      best: 0.6,
      mean: null,
      min: null,
      seconds: 9,
      done: true,
      individuals: [
        ind(0, {
          fitness: 0.5,
          partial: true,
          rung: 0,
          rungs: [{ epochs: 1, fitness: 0.5, seconds: 1 }],
          epochsTrained: 1,
        }),
        ind(1, {
          fitness: 0.6,
          rung: 1,
          rungs: [
            { epochs: 1, fitness: 0.4, seconds: 1 },
            { epochs: 3, fitness: 0.6, seconds: 2 },
          ],
          epochsTrained: 3,
          seconds: 3,
        }),
        ind(2, {
          status: 'over-budget',
          reason: '31.50 MFLOPs per image exceed the budget of 20',
          epochsTrained: 0,
          seconds: 0,
        }),
      ],
    },
  ],
});

describe('report of a run that spends less', () => {
  it('states the search and the budget, gives each individual its epochs and rung, and draws over-budget and stopped candidates apart', () => {
    const halving = log({
      ...DEFAULT_RUN_CONFIG,
      strategy: 'random',
      fidelity: 'halving',
      eta: 3,
      maxMflops: 20,
      maxParams: 300_000,
    });
    const md = renderReport(halving);
    expect(md).toContain('| search | random search (each phase drawn afresh); successive halving, factor 3 |');
    expect(md).toContain('| budget per candidate | at most 300,000 parameters, 20 MFLOPs per image |');
    expect(md).toMatch(/\| 1,000 \| 1 \(rung 1 of 2, stopped\) \| trained \| 50\.0/);
    expect(md).toMatch(/\| 1,000 \| 3 \(rung 2 of 2\) \| trained \| 60\.0/);
    expect(md).toMatch(/\| 0 \| over-budget: 31\.50 MFLOPs per image exceed the budget of 20 \|/);
    const svg = fitnessChartSvg(halving);
    expect(svg.match(/class="over-budget"/g)).toHaveLength(1);
    expect(svg).toMatch(
      /<circle [^>]*fill="#ffffff" stroke="#90a4ae"[^>]*><title>#1 50\.00% \(trained, rung 1, stopped there\)/,
    );
    expect(svg).toMatch(/<circle [^>]*fill="#90a4ae"><title>#2 60\.00% \(trained, rung 2\)/);

    const plain = renderReport(log(DEFAULT_RUN_CONFIG));
    expect(plain).toContain('| search | genetic algorithm; full training of every new candidate |');
    expect(plain).toContain('| budget per candidate | none |');
  });
});
