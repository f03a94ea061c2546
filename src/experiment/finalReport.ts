/**
 * The final training in Markdown: report.md of `npm run train`, and the section of a run's report.md that puts the
 * final model's test figures beside the search's. Pure string building: no tfjs, no DOM.
 */
import { CLASS_NAMES } from '../data/dataset';
import { duration, pct } from './format';
import { testSetText, type FinalResult } from './finalResult';
import type { RunLog } from './runlog';

const num = (x: number | null, digits = 4): string => (x === null ? '–' : x.toFixed(digits));

/** The settings rows of a final training. */
function settingsRows(r: FinalResult): string[] {
  const c = r.config;
  const d = r.dataset;
  return [
    '| setting | value |',
    '|---|---|',
    `| data | ${d.name}${d.synthetic ? ' (synthetic)' : ''}: ${d.count} rows; split ${d.split}: ${d.train} train / ${d.val} validation / ${d.test} test |`,
    `| epochs, batch size, patience | ${c.epochs}, ${c.batchSize}, ${c.patience === 0 ? 'off (the last epoch is kept)' : `${c.patience} (the lowest-validation-loss epoch is kept)`} |`,
    `| horizontal flip augmentation | ${c.augmentFlip ? 'on' : 'off'} |`,
    `| dense units, dropout (conv, dense) | ${c.network.denseUnits}, ${c.network.dropoutConv}, ${c.network.dropoutDense} |`,
    `| images per class cap | ${c.perClass === 0 ? 'none' : c.perClass} |`,
    `| seed | ${r.seed} |`,
    `| backend | ${r.backend.name} (${r.backend.reason}) |`,
  ];
}

/** The per-epoch table; the kept epoch is marked. */
function epochRows(r: FinalResult): string[] {
  return [
    '| epoch | loss | accuracy | validation loss | validation accuracy | time |',
    '|---|---|---|---|---|---|',
    ...r.epochs.map(
      (e) =>
        `| ${e.epoch}${e.epoch === r.keptEpoch ? ' (kept)' : ''} | ${num(e.loss)} | ${pct(e.accuracy)} | ${num(e.valLoss)} | ${pct(e.valAccuracy)} | ${duration(e.seconds)} |`,
    ),
  ];
}

/** Test accuracy, per-class accuracy and the confusion matrix, or why there are none. */
function testRows(r: FinalResult, after: 'search' | 'training'): string[] {
  if (r.testAccuracy === null || !r.perClassAccuracy || !r.confusion)
    return [`No test score: the ${r.config.split} split of this file has no test images.`];
  return [
    `Test accuracy **${pct(r.testAccuracy)}** on ${r.testCount} ${testSetText(r.config.split, after)} (loss ${num(r.testLoss)}).`,
    '',
    `| class | ${CLASS_NAMES.join(' | ')} |`,
    `|---|${CLASS_NAMES.map(() => '---').join('|')}|`,
    `| accuracy | ${r.perClassAccuracy.map((x) => pct(x, 1)).join(' | ')} |`,
    `| images | ${r.confusion.map((row) => row.reduce((a, b) => a + b, 0)).join(' | ')} |`,
    '',
    'Confusion matrix (rows: true class, columns: predicted class):',
    '',
    `| true \\ predicted | ${CLASS_NAMES.join(' | ')} |`,
    `|---|${CLASS_NAMES.map(() => '---:').join('|')}|`,
    ...r.confusion.map((row, i) => `| ${CLASS_NAMES[i] ?? i} | ${row.join(' | ')} |`),
  ];
}

/** The chromosome in the paper's Table 2 form. */
function chromosomeRows(r: FinalResult): string[] {
  const c = r.chromosome;
  return [
    '| conv | filters | kernel | activation |',
    '|---|---|---|---|',
    ...c.conv.map((g, i) => `| ${i + 1} | ${g.filters} | ${g.kernel}x${g.kernel} | ${g.activation} |`),
    '',
    `Optimizer ${c.optimizer}, learning rate ${Number(c.learningRate.toPrecision(4))}; ${r.params.toLocaleString('en-US')} parameters.`,
  ];
}

/** report.md of `npm run train`; `modelDir` is the exported model's folder relative to the report. */
export function renderTrainReport(r: FinalResult, opts: { readonly modelDir?: string } = {}): string {
  const lines = [
    `# Evolab training, seed ${r.seed}`,
    '',
    `One chromosome trained from scratch for up to ${r.config.epochs} epochs in ${duration(r.seconds)} (${r.imagesPerSecond.toFixed(1)} images per second in training).`,
    '',
    ...settingsRows(r),
    '',
    '## Chromosome (Table 2 form)',
    '',
    ...chromosomeRows(r),
    '',
    '## Epochs',
    '',
    ...epochRows(r),
    '',
    `Kept: epoch ${r.keptEpoch}, validation accuracy ${pct(r.valAccuracy)}.`,
    '',
    '## Test set',
    '',
    ...testRows(r, 'training'),
    '',
  ];
  if (opts.modelDir)
    lines.push(
      `The trained network is saved in \`${opts.modelDir}\` (load it with \`tf.loadLayersModel\`; input \`[n, 48, 48, 1]\` = pixels / 255).`,
      '',
    );
  return lines.join('\n');
}

/** The section of a run's report.md on its final training (`log.final`), beside the search's best network. */
export function renderFinalSection(r: FinalResult, log: RunLog): string[] {
  const search = log.best;
  return [
    '## Final training of the best chromosome',
    '',
    `The best chromosome was trained again from scratch for up to ${r.config.epochs} epochs (flip augmentation ${r.config.augmentFlip ? 'on' : 'off'}) in ${duration(r.seconds)}.`,
    '',
    "| | search's best network | final network |",
    '|---|---|---|',
    `| epochs (at most) | ${log.config.epochs} | ${r.config.epochs}; ${r.epochs.length} trained, epoch ${r.keptEpoch} kept |`,
    `| validation accuracy | ${pct(search?.valAccuracy)} | ${pct(r.valAccuracy)} |`,
    `| test accuracy | ${pct(search?.testAccuracy)} | ${pct(r.testAccuracy)} |`,
    ...CLASS_NAMES.map(
      (name, i) =>
        `| test accuracy, ${name} | ${pct(search?.perClassAccuracy?.[i] ?? null, 1)} | ${pct(r.perClassAccuracy?.[i] ?? null, 1)} |`,
    ),
    '',
    ...epochRows(r),
    '',
    ...testRows(r, 'search'),
    '',
  ];
}
