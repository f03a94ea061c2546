/** What the lab hands out: the model zip, the run log, the population CSV and the chart image. Page side; tfjs stays in the worker. */
import { strToU8, zipSync } from 'fflate';
import type { RunLog, RunLogDataset } from '../experiment/runlog';
import { runLogFromEvents } from '../experiment/runlogBuilder';
import type { DatasetSummary, ExportedModel, IndividualRecord, RunConfig, RunEvent } from '../worker/api';

/** The data a run used, for the run log: counts as the worker's split makes them (capped per class when asked). */
export function runLogDataset(summary: DatasetSummary, config: RunConfig | null): RunLogDataset {
  const cap = config && config.perClass > 0 ? config.perClass : Infinity;
  const count = (perClass: number[]): number => perClass.reduce((a, n) => a + Math.min(n, cap), 0);
  return {
    name: summary.name,
    synthetic: summary.synthetic,
    count: summary.count,
    split: config?.split ?? 'canonical',
    train: count(summary.splits.train),
    val: count(summary.splits.val),
    test: count(summary.splits.test),
  };
}

/** The run.json of the events so far (the command-line runner writes the same format). */
export function buildRunLog(events: readonly RunEvent[], summary: DatasetSummary, config: RunConfig | null): RunLog {
  return runLogFromEvents(events, { dataset: runLogDataset(summary, config) });
}

/** One zip: model.json + weights.bin (load with tf.loadLayersModel) and evolab.json with the chromosome and metrics. */
export function modelZip(model: ExportedModel, log: RunLog): Uint8Array {
  const info = { chromosome: log.best?.chromosome ?? null, best: log.best, config: log.config, backend: log.backend, dataset: log.dataset };
  return zipSync({
    'model.json': strToU8(model.modelJson),
    [model.weightsFileName]: new Uint8Array(model.weights),
    'evolab.json': strToU8(JSON.stringify(info, null, 2)),
  });
}

const csvCell = (v: string | number | null | undefined): string => {
  const text = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Every evaluated individual, one CSV row each: phase, index, status, fitness, time, parameters and all genes. */
export function populationCsv(records: readonly IndividualRecord[]): string {
  const layers = records[0]?.chromosome.conv.length ?? 6;
  const head = ['phase', 'index', 'status', 'reason', 'fitness', 'seconds', 'params', 'optimizer', 'learning_rate'];
  for (let l = 1; l <= layers; l++) head.push(`conv${l}_filters`, `conv${l}_kernel`, `conv${l}_activation`);
  const rows = records.map((r) => [
    r.phase, r.index, r.status, r.reason ?? '', r.fitness, r.seconds.toFixed(3), r.params, r.chromosome.optimizer, r.chromosome.learningRate,
    ...r.chromosome.conv.flatMap((g) => [g.filters, g.kernel, g.activation]),
  ]);
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** A standalone SVG file of a rendered recharts chart (styles are inline attributes, so it renders as shown). */
export function chartSvg(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('style', 'background:#fff;font-family:sans-serif');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

/** Saves bytes or text as a file through a temporary link. */
export function saveFile(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers start reading the blob only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
