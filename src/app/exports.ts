/**
 * What the lab hands out, made from the worker's run log (the worker owns it; the page never rebuilds it): the model
 * files, the run log and the population CSV (the fitness chart is src/experiment/report.ts's, as the CLI writes it).
 * Page side; tfjs stays in the worker.
 */
import { strToU8, zipSync } from 'fflate';
import type { RunLog } from '../experiment/runlog';
import type { ExportedModel, ModelSource } from '../worker/api';
import type { WorkerBridge } from './bridge';

/** The run in view: the one the worker drove last, or the saved run `viewing` opened from the history. */
export function runLogInView(bridge: WorkerBridge, viewing: { readonly id: string } | null): Promise<RunLog> {
  return viewing ? bridge.api.getRunLog(viewing.id) : bridge.api.getRunLog();
}

/**
 * The downloaded model's files: model.json + weights.bin (load with tf.loadLayersModel) and evolab.json with the
 * chromosome and metrics. `source` says which network it is: the search's best (`best` describes it) or the final one
 * (`final` does).
 */
export function modelFiles(
  model: ExportedModel,
  log: RunLog,
  source: ModelSource = 'search',
): Record<string, Uint8Array> {
  const chromosome = source === 'final' ? (log.final?.chromosome ?? null) : (log.best?.chromosome ?? null);
  const info = {
    model: source,
    chromosome,
    best: log.best,
    final: log.final ?? null,
    config: log.config,
    backend: log.backend,
    dataset: log.dataset,
  };
  return {
    'model.json': strToU8(model.modelJson),
    [model.weightsFileName]: new Uint8Array(model.weights),
    'evolab.json': strToU8(JSON.stringify(info, null, 2)),
  };
}

/** The files of the network the lab hands out, described by the run log in view (`source` as the store has it). */
export async function servedModelFiles(
  bridge: WorkerBridge,
  viewing: { readonly id: string } | null,
  source: ModelSource | null,
): Promise<Record<string, Uint8Array>> {
  const [model, log] = await Promise.all([bridge.api.exportBestModel(), runLogInView(bridge, viewing)]);
  return modelFiles(model, log, source ?? 'search');
}

/** The model files in one zip. */
export function modelZip(files: Record<string, Uint8Array>): Uint8Array<ArrayBuffer> {
  return zipSync(files) as Uint8Array<ArrayBuffer>;
}

/** The run log file's text. */
export const runLogText = (log: RunLog): string => JSON.stringify(log, null, 2);

const csvCell = (v: string | number | null | undefined): string => {
  const text = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Every evaluated individual of the log, one CSV row each: phase, index, status, fitness, time, parameters, all genes, then MFLOPs, epochs, rung (1-based) and whether it stopped at a lower rung. */
export function populationCsv(log: RunLog): string {
  const records = log.phases.flatMap((p) => p.individuals);
  const layers = records[0]?.chromosome.conv.length ?? 6;
  const head = ['phase', 'index', 'status', 'reason', 'fitness', 'seconds', 'params', 'optimizer', 'learning_rate'];
  for (let l = 1; l <= layers; l++) head.push(`conv${l}_filters`, `conv${l}_kernel`, `conv${l}_activation`);
  // Added after the genes so that the earlier columns keep their places.
  head.push('mflops', 'epochs_trained', 'rung', 'partial');
  const rows = records.map((r) => [
    r.phase,
    r.index,
    r.status,
    r.reason ?? '',
    r.fitness,
    r.seconds.toFixed(3),
    r.params,
    r.chromosome.optimizer,
    r.chromosome.learningRate,
    ...r.chromosome.conv.flatMap((g) => [g.filters, g.kernel, g.activation]),
    r.flops === undefined ? null : Number((r.flops / 1e6).toPrecision(6)),
    r.epochsTrained ?? null,
    r.rung === undefined ? null : r.rung + 1,
    r.partial ? 'yes' : '',
  ]);
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
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
