/** Why Download model and Try the model are off: one rule for both, and for a saved run on view its own reason. */
import { describe, expect, it } from 'vitest';
import { useLab, type LabState } from '../../../src/store';
import { modelBlocker } from '../../../src/store/selectors';
import type { IndividualRecord, StoredRunSummary } from '../../../src/worker/api';

const base = useLab.getState();
const summary = (imported: boolean): StoredRunSummary => ({ id: 'r1', imported }) as unknown as StoredRunSummary;
const best = {} as IndividualRecord;
const state = (s: Partial<LabState>): LabState => ({ ...base, ...s });

describe('modelBlocker', () => {
  it('offers the model of an ended run that has one, and nothing while a run or a final training is on', () => {
    expect(modelBlocker(state({ status: 'done', modelSource: 'search', best }))).toBeNull();
    expect(modelBlocker(state({ status: 'stopped', modelSource: 'final', best }))).toBeNull();
    expect(modelBlocker(state({ status: 'running', modelSource: null }))).toBe(
      'Available when a run has trained a model.',
    );
    expect(
      modelBlocker(
        state({ status: 'done', modelSource: 'search', best, final: { ...base.final, status: 'training' } }),
      ),
    ).toBe('Available again when the final training ends.');
  });

  it('says why a saved run on view has no model', () => {
    const viewing = { id: 'r1', label: 'x' };
    expect(modelBlocker(state({ status: 'done', modelSource: null, best, viewing, runs: [summary(true)] }))).toBe(
      'This saved run has no model: an imported run log holds no weights.',
    );
    expect(
      modelBlocker(state({ status: 'done', modelSource: null, best: null, viewing, runs: [summary(false)] })),
    ).toBe('This saved run has no model: no candidate of this run finished training.');
    expect(modelBlocker(state({ status: 'done', modelSource: null, best, viewing, runs: [summary(false)] }))).toMatch(
      /^This saved run has no model: its weights are not saved in this browser/,
    );
    expect(
      modelBlocker(state({ status: 'done', modelSource: 'search', best, viewing, runs: [summary(false)] })),
    ).toBeNull();
  });
});
