/**
 * A run's report as Markdown (the paper's Table 2 and Table 3 forms, test scores, confusion matrix) and its fitness
 * chart as a standalone SVG. Pure string building from a RunLog: no tfjs, no DOM.
 */
import { CLASS_NAMES } from '../data/dataset';
import { isLeakySplit } from '../data/splits';
import { duration, pct, phaseName } from './format';
import type { RunLog } from './runlog';
import { renderFinalSection } from './finalReport';
import type { IndividualRecord } from './types';

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A run's budget per candidate in words ("none" without one). */
function budgetWords(c: RunLog['config']): string {
  const parts = [
    c.maxParams === undefined ? null : `${c.maxParams.toLocaleString('en-US')} parameters`,
    c.maxMflops === undefined ? null : `${c.maxMflops} MFLOPs per image`,
    c.maxSeconds === undefined ? null : `${c.maxSeconds} s of training`,
  ].filter((x): x is string => x !== null);
  return parts.length === 0 ? 'none' : `at most ${parts.join(', ')}`;
}

/** Epochs an individual was trained, with its rung under successive halving ("2 (rung 1 of 3, stopped)"). */
function epochsCell(i: IndividualRecord, rungEpochs: readonly number[] | undefined): string {
  const epochs = i.epochsTrained === undefined ? '–' : String(i.epochsTrained);
  if (i.rung === undefined) return epochs;
  return `${epochs} (rung ${i.rung + 1} of ${rungEpochs?.length ?? '?'}${i.partial ? ', stopped' : ''})`;
}

/** The report's Markdown; `chartFile` is the fitness chart's path relative to the report. */
export function renderReport(
  log: RunLog,
  opts: { readonly chartFile?: string; readonly modelDir?: string } = {},
): string {
  const c = log.config;
  const d = log.dataset;
  const lines: string[] = [];
  const outcome =
    log.outcome === 'done'
      ? 'finished'
      : log.outcome === 'stopped'
        ? 'stopped before the end (resume to finish)'
        : 'still running';
  lines.push(
    `# Evolab run, seed ${log.seed}`,
    '',
    `Run ${outcome}. Started ${log.createdAt}${log.finishedAt ? `, ended ${log.finishedAt}` : ''}; ${duration(log.seconds)} of evaluation.`,
    '',
    '| setting | value |',
    '|---|---|',
    `| data | ${d.name}${d.synthetic ? ' (synthetic)' : ''}: ${d.count} rows; split ${d.split}: ${d.train} train / ${d.val} validation / ${d.test} test |`,
    `| population, generations | ${c.populationSize}, ${c.generations} (${log.phasesPlanned} phases) |`,
    `| crossover rate, mutation rate | ${c.crossoverRate}, ${c.mutationRate} |`,
    `| max filters per layer | ${c.maxFilters} |`,
    `| epochs, batch size, patience | ${c.epochs}, ${c.batchSize}, ${c.patience === 0 ? 'off' : c.patience} |`,
    `| horizontal flip augmentation | ${c.augmentFlip ? 'on' : 'off'} |`,
    `| dense units, dropout (conv, dense) | ${c.network.denseUnits}, ${c.network.dropoutConv}, ${c.network.dropoutDense} |`,
    `| images per class cap | ${c.perClass === 0 ? 'none' : c.perClass} |`,
    `| search | ${c.strategy === 'random' ? 'random search (each phase drawn afresh)' : 'genetic algorithm'}; ${c.fidelity === 'halving' ? `successive halving, factor ${c.eta ?? 3}` : 'full training of every new candidate'} |`,
    `| budget per candidate | ${budgetWords(c)} |`,
    `| backend | ${log.backend.name} (${log.backend.reason}) |`,
    '',
  );
  if (isLeakySplit(d.split))
    lines.push(
      'Split "paper": the GA\'s fitness is measured on the test split, as in the paper, so the test accuracy below is not independent of the search.',
      '',
    );

  const best = log.best;
  lines.push('## Best chromosome (Table 2 form)', '');
  if (best) {
    lines.push('| conv | filters | kernel | activation |', '|---|---|---|---|');
    best.chromosome.conv.forEach((g, i) =>
      lines.push(`| ${i + 1} | ${g.filters} | ${g.kernel}x${g.kernel} | ${g.activation} |`),
    );
    lines.push(
      '',
      `Optimizer ${best.chromosome.optimizer}, learning rate ${Number(best.chromosome.learningRate.toPrecision(4))}.`,
    );
    const where =
      best.phase === null ? '' : ` (${phaseName(best.phase).toLowerCase()}, individual ${(best.index ?? 0) + 1})`;
    lines.push(
      `Validation accuracy ${pct(best.valAccuracy)}${where}; ${best.params === null ? '' : `${best.params.toLocaleString('en-US')} parameters.`}`,
      '',
    );
  } else {
    lines.push('No candidate trained successfully.', '');
  }

  lines.push('## Best accuracy and time per phase (Table 3 form)', '');
  lines.push('| phase | best accuracy | mean accuracy | trained | time |', '|---|---|---|---|---|');
  for (const p of log.phases) {
    const trained = p.individuals.filter((i) => i.status === 'trained').length;
    const note = p.done ? '' : ' (incomplete)';
    lines.push(
      `| ${phaseName(p.phase)}${note} | ${pct(p.best)} | ${pct(p.mean)} | ${trained} of ${p.individuals.length} | ${duration(p.seconds)} |`,
    );
  }
  lines.push(
    `| total | ${pct(Math.max(...log.phases.map((p) => p.best ?? -Infinity)))} | | | ${duration(log.seconds)} |`,
    '',
  );
  lines.push(
    "Accuracy here is the GA's fitness: validation accuracy of each candidate (cached repeats are not retrained).",
    '',
  );
  if (opts.chartFile)
    lines.push(`![Fitness of every individual per phase, with the best and mean](${opts.chartFile})`, '');

  lines.push('## Test set', '');
  if (best && best.testAccuracy !== null && best.perClassAccuracy && best.confusion) {
    lines.push(
      `Test accuracy of the best network: **${pct(best.testAccuracy)}** on ${best.testCount} images (loss ${best.testLoss === null ? '–' : best.testLoss.toFixed(4)}).`,
      '',
    );
    lines.push(`| class | ${CLASS_NAMES.join(' | ')} |`, `|---|${CLASS_NAMES.map(() => '---').join('|')}|`);
    lines.push(`| accuracy | ${best.perClassAccuracy.map((x) => pct(x, 1)).join(' | ')} |`);
    lines.push(`| images | ${best.confusion.map((row) => row.reduce((a, b) => a + b, 0)).join(' | ')} |`, '');
    lines.push('Confusion matrix (rows: true class, columns: predicted class):', '');
    lines.push(
      `| true \\ predicted | ${CLASS_NAMES.join(' | ')} |`,
      `|---|${CLASS_NAMES.map(() => '---:').join('|')}|`,
    );
    best.confusion.forEach((row, r) => lines.push(`| ${CLASS_NAMES[r] ?? r} | ${row.join(' | ')} |`));
    lines.push('');
  } else {
    const why =
      log.dataset.test === 0
        ? `the ${log.dataset.split} split of this file has no test images`
        : log.outcome !== 'done'
          ? 'the run did not finish'
          : 'no candidate trained successfully';
    lines.push(`The best network has not been scored on the test set (${why}).`, '');
  }
  if (log.final) lines.push(...renderFinalSection(log.final, log));
  if (opts.modelDir)
    lines.push(
      `The ${log.final ? 'final' : 'best'} network is saved in \`${opts.modelDir}\` (load it with \`tf.loadLayersModel\`).`,
      '',
    );

  lines.push('## Every individual', '');
  lines.push(
    '| phase | # | filters | kernels | activations | optimizer | learning rate | params | epochs | status | fitness | time |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const p of log.phases) {
    for (const i of p.individuals) {
      const ch = i.chromosome;
      lines.push(
        `| ${p.phase} | ${i.index + 1} | ${ch.conv.map((g) => g.filters).join(' ')} | ${ch.conv.map((g) => g.kernel).join(' ')} | ${ch.conv.map((g) => g.activation).join(' ')} | ` +
          `${ch.optimizer} | ${Number(ch.learningRate.toPrecision(4))} | ${i.params.toLocaleString('en-US')} | ${epochsCell(i, p.rungEpochs)} | ` +
          `${i.status}${i.reason ? `: ${i.reason.replace(/\|/g, '/')}` : ''} | ${pct(i.fitness)} | ${duration(i.seconds)} |`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** A standalone SVG chart: every individual's fitness per phase as dots, with lines for the best and the mean. */
export function fitnessChartSvg(log: RunLog, size: { readonly width?: number; readonly height?: number } = {}): string {
  const W = size.width ?? 640;
  const H = size.height ?? 360;
  const m = { left: 56, right: 132, top: 36, bottom: 48 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const phases = Math.max(log.phasesPlanned, log.phases.length, 1);
  const all = log.phases.flatMap((p) => p.individuals.map((i) => i.fitness).filter((f): f is number => f !== null));
  // Accuracy axis from 0 to the next 10% above the highest fitness, so small differences stay visible.
  const top = Math.min(1, Math.max(0.1, Math.ceil(((all.length ? Math.max(...all) : 0) + 1e-9) * 10) / 10));
  const x = (p: number): number => m.left + (phases === 1 ? pw / 2 : (p / (phases - 1)) * pw);
  const y = (f: number): number => m.top + ph - (f / top) * ph;
  const f2 = (n: number): string => n.toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="t">`,
    `<title id="t">Fitness (validation accuracy) per phase, seed ${log.seed}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="20" font-size="14" font-weight="bold">Fitness per phase</text>`,
  );
  for (let k = 0; k <= 5; k++) {
    const v = (top * k) / 5;
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${f2(y(v))}" y2="${f2(y(v))}" stroke="#e0e0e0"/>`,
      `<text x="${m.left - 6}" y="${f2(y(v) + 4)}" text-anchor="end">${pct(v, 0)}</text>`,
    );
  }
  for (let p = 0; p < phases; p++) {
    out.push(
      `<text x="${f2(x(p))}" y="${m.top + ph + 18}" text-anchor="middle">${p === 0 ? 'initial' : `gen ${p}`}</text>`,
    );
  }
  out.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${H - 10}" text-anchor="middle">phase</text>`,
    `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">validation accuracy</text>`,
  );
  const line = (key: 'best' | 'mean', color: string, dash: string): void => {
    const pts = log.phases.filter((p) => p[key] !== null).map((p) => `${f2(x(p.phase))},${f2(y(p[key] as number))}`);
    if (pts.length > 1)
      out.push(
        `<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      );
    for (const pt of pts) {
      const [cx, cy] = pt.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="${color}"/>`);
    }
  };
  for (const p of log.phases) {
    const n = p.individuals.length;
    p.individuals.forEach((i, k) => {
      // Spread a phase's dots a little sideways so equal fitnesses do not hide each other.
      const dx = n > 1 ? (k / (n - 1) - 0.5) * Math.min(24, pw / phases / 2) : 0;
      const cx = f2(x(p.phase) + dx);
      if (i.status === 'over-budget') {
        const cy = y(0) - 4;
        out.push(
          `<path d="M ${cx} ${f2(cy - 4)} l 4 4 l -4 4 l -4 -4 z" fill="#c2410c" class="over-budget"><title>${escapeXml(`#${i.index + 1} over budget${i.reason ? `: ${i.reason}` : ''}`)}</title></path>`,
        );
      } else if (i.fitness === null) {
        out.push(
          `<text x="${cx}" y="${f2(y(0) - 4)}" text-anchor="middle" fill="#c62828">×<title>${escapeXml(`#${i.index + 1} ${i.status}${i.reason ? `: ${i.reason}` : ''}`)}</title></text>`,
        );
      } else {
        // A candidate stopped at a lower rung of successive halving is hollow: its fitness is a shorter training's.
        const look = i.partial ? 'fill="#ffffff" stroke="#90a4ae" stroke-width="1.5"' : 'fill="#90a4ae"';
        const rung = i.rung === undefined ? '' : `, rung ${i.rung + 1}${i.partial ? ', stopped there' : ''}`;
        out.push(
          `<circle cx="${cx}" cy="${f2(y(i.fitness))}" r="3" ${look}><title>${escapeXml(`#${i.index + 1} ${pct(i.fitness)} (${i.status}${rung})`)}</title></circle>`,
        );
      }
    });
  }
  line('mean', '#ef6c00', '6 4');
  line('best', '#1565c0', '');
  const lx = m.left + pw + 16;
  out.push(
    `<circle cx="${lx}" cy="${m.top + 6}" r="4" fill="#1565c0"/><text x="${lx + 10}" y="${m.top + 10}">best</text>`,
    `<circle cx="${lx}" cy="${m.top + 26}" r="4" fill="#ef6c00"/><text x="${lx + 10}" y="${m.top + 30}">mean</text>`,
    `<circle cx="${lx}" cy="${m.top + 46}" r="3" fill="#90a4ae"/><text x="${lx + 10}" y="${m.top + 50}">individual</text>`,
    `<text x="${lx - 4}" y="${m.top + 70}" fill="#c62828">×</text><text x="${lx + 10}" y="${m.top + 70}">failed</text>`,
    `<path d="M ${lx} ${m.top + 82} l 4 4 l -4 4 l -4 -4 z" fill="#c2410c"/><text x="${lx + 10}" y="${m.top + 90}">over budget</text>`,
    ...(log.phases.some((p) => p.individuals.some((i) => i.partial))
      ? [
          `<circle cx="${lx}" cy="${m.top + 106}" r="3" fill="#ffffff" stroke="#90a4ae" stroke-width="1.5"/><text x="${lx + 10}" y="${m.top + 110}">lower rung</text>`,
        ]
      : []),
    '</svg>',
    '',
  );
  return out.join('\n');
}

/** The Pareto front of a multi-objective run as it stands in its log (the last phase that has one), best accuracy first. */
export function frontOf(log: RunLog): IndividualRecord[] {
  const phase = [...log.phases].reverse().find((p) => p.front !== undefined);
  return (phase?.front ?? []).flatMap((ref) => log.phases[ref.phase]?.individuals[ref.index] ?? []);
}

/** front.md: the Pareto front as a table, rows numbered as `--pick` counts them, the exported member marked. */
export function renderFront(log: RunLog): string {
  const front = frontOf(log);
  const objectives = log.config.objectives ?? ['accuracy'];
  const best = log.best;
  const lines: string[] = [
    `# Pareto front, seed ${log.seed}`,
    '',
    `Objectives: ${objectives.map((o) => (o === 'accuracy' ? 'validation accuracy (higher is better)' : `${OBJECTIVE_TEXT[o] ?? o} (lower is better)`)).join(', ')}. ` +
      `${front.length} network${front.length === 1 ? '' : 's'} of ${log.phases.reduce((n, p) => n + p.individuals.length, 0)} evaluated: none is beaten on every objective at once by another. ` +
      'Latency is measured (ms per image, batch 1, median after warm-up) on the training backend.',
    '',
    '| # | phase | candidate | validation accuracy | parameters | FLOPs per image | latency (ms) | filters | kernels | activations | optimizer | learning rate | model |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  front.forEach((r, i) => {
    const o = r.objectives;
    const ch = r.chromosome;
    const exported = best !== null && best.phase === r.phase && best.index === r.index;
    const mark = exported
      ? `exported${best.chosen ? ' (picked)' : ''}${best.testAccuracy === null ? '' : `, test ${pct(best.testAccuracy)}`}`
      : '';
    lines.push(
      `| ${i + 1} | ${r.phase} | ${r.index + 1} | ${pct(r.fitness)} | ${r.params.toLocaleString('en-US')} | ${o ? o.flops.toLocaleString('en-US') : '–'} | ${o ? o.latencyMs.toFixed(2) : '–'} | ` +
        `${ch.conv.map((g) => g.filters).join(' ')} | ${ch.conv.map((g) => g.kernel).join(' ')} | ${ch.conv.map((g) => g.activation).join(' ')} | ${ch.optimizer} | ${Number(ch.learningRate.toPrecision(4))} | ${mark} |`,
    );
  });
  if (front.length === 0) lines.push('', 'No candidate trained successfully, so the front is empty.');
  lines.push('');
  return lines.join('\n');
}

const OBJECTIVE_TEXT: Readonly<Record<string, string>> = {
  params: 'parameters',
  flops: 'forward FLOPs per image',
  latency: 'inference latency per image',
};
