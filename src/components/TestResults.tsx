/**
 * The best model on the test split: accuracy, per-class accuracy, confusion matrix, and the paper's figures beside ours.
 * The wording follows the run's split: the test images are unseen by the GA, except in the paper split, where the GA
 * selected on them.
 */
import { isLeakySplit } from '../data/splits';
import { useLab } from '../store';
import { duration, pct } from '../experiment/format';
import { ConfusionTable } from './ConfusionTable';

/** Sam'an, Safuan and Munsarif (2024): best accuracy per phase (their Table 3) and total compute (37 h 57 min 55 s, from their text). */
const PAPER = { best: 0.7611, phases: [0.5872, 0.7169, 0.7277, 0.7611], seconds: 37 * 3600 + 57 * 60 + 55 };

export function TestResults() {
  const test = useLab((s) => s.test);
  const summaries = useLab((s) => s.phaseSummaries);
  const leaky = useLab((s) => isLeakySplit(s.runConfig?.split ?? 'canonical'));
  if (!test) return null;
  const { evaluation: e } = test;
  const seconds = summaries.reduce((a, p) => a + p.seconds, 0);
  return (
    <section className="panel" aria-labelledby="test-title">
      <h2 id="test-title">Test results of the best model</h2>
      <p>
        Test accuracy <strong data-testid="test-accuracy">{pct(e.accuracy, 1)}</strong> on {e.count}{' '}
        {leaky
          ? "images of the paper split's test set: the same images the GA selected on (the paper's protocol), so this accuracy is not independent of the search."
          : 'images the GA never saw.'}
      </p>
      <p className="comparison" data-testid="paper-comparison">
        Paper: {pct(PAPER.best)} best; per phase {PAPER.phases.map((x) => pct(x)).join(' / ')};{' '}
        {duration(PAPER.seconds)} of compute. Theirs was measured on the same split the GA selected on. Ours:{' '}
        {pct(e.accuracy)} test accuracy{' '}
        {leaky ? 'measured on the split the GA selected on, as theirs' : 'on data the GA never saw'}; per phase
        (validation) {summaries.map((p) => pct(p.best)).join(' / ')}; {duration(seconds)}.
      </p>
      <div className="scroll-x" tabIndex={0} role="region" aria-label="Confusion matrix table">
        <ConfusionTable
          confusion={e.confusion}
          caption="Confusion matrix (rows: true class, columns: predicted) and per-class accuracy"
          label="Confusion matrix and per-class accuracy"
          perClassAccuracy={e.perClassAccuracy}
        />
      </div>
    </section>
  );
}
