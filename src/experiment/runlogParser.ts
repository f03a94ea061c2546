/** Reading a run log back (an import, a CLI checkpoint, a test): every field checked, with a one-line error naming the first bad one. */
import { validateChromosome, type Chromosome } from '../ga/chromosome';
import { OBJECTIVE_NAMES, type ObjectiveName } from '../settings';
import { parseFinalResult } from './finalResult';
import { jsonFields } from './jsonFields';
import { RUN_LOG_FORMAT, RUN_LOG_VERSION, type RunLog } from './runlog';
import type { CandidateStatus } from './types';

const STATUSES: readonly CandidateStatus[] = ['trained', 'cached', 'failed', 'diverged', 'over-budget', 'skipped'];

/** Thrown by parseRunLog; the message names the offending field. */
export class RunLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunLogError';
  }
}

/**
 * Parses and checks a run log (text or an already-parsed value). Throws RunLogError with a one-line message naming
 * the first bad field, e.g. `run log: phases[1].individuals[0].fitness must be a number or null`.
 */
export function parseRunLog(input: unknown): RunLog {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new RunLogError(`run log: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const fail = (path: string, what: string): never => {
    throw new RunLogError(`run log: ${path} ${what}`);
  };
  const { obj, arr, num, numOrNull, int, str, date } = jsonFields(fail);
  const chromosome = (v: unknown, path: string): Chromosome => {
    const errors = validateChromosome(v);
    return errors.length === 0 ? (v as Chromosome) : fail(path, `is not a valid chromosome: ${errors[0] ?? ''}`);
  };

  const root = obj(value, 'file');
  if (root.format !== RUN_LOG_FORMAT)
    fail('format', `must be "${RUN_LOG_FORMAT}" (is this an Evolab run log?), got ${JSON.stringify(root.format)}`);
  if (root.version !== RUN_LOG_VERSION)
    fail('version', `${JSON.stringify(root.version)} is not supported (this build reads version ${RUN_LOG_VERSION})`);
  date(root.createdAt, 'createdAt');
  if (root.finishedAt !== null) date(root.finishedAt, 'finishedAt');
  num(root.seconds, 'seconds');
  num(root.seed, 'seed');
  const config = obj(root.config, 'config');
  for (const k of [
    'seed',
    'populationSize',
    'generations',
    'crossoverRate',
    'mutationRate',
    'maxFilters',
    'epochs',
    'batchSize',
    'patience',
    'perClass',
  ] as const) {
    num(config[k], `config.${k}`);
  }
  if (typeof config.augmentFlip !== 'boolean') fail('config.augmentFlip', 'must be true or false');
  if (config.objectives !== undefined) {
    const objectives = arr(config.objectives, 'config.objectives');
    if (objectives[0] !== 'accuracy' || !objectives.every((o) => OBJECTIVE_NAMES.includes(o as ObjectiveName))) {
      fail('config.objectives', `must be accuracy followed by costs from ${OBJECTIVE_NAMES.slice(1).join(', ')}`);
    }
  }
  const net = obj(config.network, 'config.network');
  for (const k of ['denseUnits', 'dropoutConv', 'dropoutDense'] as const) num(net[k], `config.network.${k}`);
  const dataset = obj(root.dataset, 'dataset');
  str(dataset.name, 'dataset.name');
  str(dataset.split, 'dataset.split');
  if (typeof dataset.synthetic !== 'boolean') fail('dataset.synthetic', 'must be true or false');
  for (const k of ['count', 'train', 'val', 'test'] as const) int(dataset[k], `dataset.${k}`);
  const backend = obj(root.backend, 'backend');
  str(backend.name, 'backend.name');
  str(backend.reason, 'backend.reason');
  int(root.phasesPlanned, 'phasesPlanned');
  arr(root.phases, 'phases').forEach((p, pi) => {
    const at = `phases[${pi}]`;
    const phase = obj(p, at);
    if (phase.phase !== pi) fail(`${at}.phase`, `must be ${pi}`);
    for (const k of ['best', 'mean', 'min'] as const) numOrNull(phase[k], `${at}.${k}`);
    num(phase.seconds, `${at}.seconds`);
    if (typeof phase.done !== 'boolean') fail(`${at}.done`, 'must be true or false');
    if (phase.rungEpochs !== undefined)
      arr(phase.rungEpochs, `${at}.rungEpochs`).forEach((e, k) => int(e, `${at}.rungEpochs[${k}]`));
    arr(phase.individuals, `${at}.individuals`).forEach((i, ii) => {
      const iat = `${at}.individuals[${ii}]`;
      const ind = obj(i, iat);
      if (ind.phase !== pi) fail(`${iat}.phase`, `must be ${pi}`);
      if (ind.index !== ii) fail(`${iat}.index`, `must be ${ii}`);
      chromosome(ind.chromosome, `${iat}.chromosome`);
      numOrNull(ind.fitness, `${iat}.fitness`);
      if (!STATUSES.includes(ind.status as CandidateStatus))
        fail(`${iat}.status`, `must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(ind.status)}`);
      if (ind.reason !== undefined) str(ind.reason, `${iat}.reason`);
      num(ind.seconds, `${iat}.seconds`);
      int(ind.params, `${iat}.params`);
      if (ind.flops !== undefined) num(ind.flops, `${iat}.flops`);
      if (ind.epochsTrained !== undefined) int(ind.epochsTrained, `${iat}.epochsTrained`);
      if (ind.rung !== undefined) int(ind.rung, `${iat}.rung`);
      if (ind.partial !== undefined && ind.partial !== true) fail(`${iat}.partial`, 'must be true when present');
      if (ind.rungs !== undefined) {
        arr(ind.rungs, `${iat}.rungs`).forEach((r, k) => {
          const rat = `${iat}.rungs[${k}]`;
          const rung = obj(r, rat);
          int(rung.epochs, `${rat}.epochs`);
          numOrNull(rung.fitness, `${rat}.fitness`);
          num(rung.seconds, `${rat}.seconds`);
        });
      }
      if (ind.objectives !== undefined) {
        const o = obj(ind.objectives, `${iat}.objectives`);
        for (const k of ['accuracy', 'params', 'flops', 'latencyMs'] as const) num(o[k], `${iat}.objectives.${k}`);
      }
    });
    if (phase.front !== undefined) {
      arr(phase.front, `${at}.front`).forEach((r, ri) => {
        const ref = obj(r, `${at}.front[${ri}]`);
        int(ref.phase, `${at}.front[${ri}].phase`);
        int(ref.index, `${at}.front[${ri}].index`);
      });
    }
  });
  if (root.best !== null) {
    const best = obj(root.best, 'best');
    chromosome(best.chromosome, 'best.chromosome');
    for (const k of ['valAccuracy', 'phase', 'index', 'params', 'testAccuracy', 'testLoss'] as const)
      numOrNull(best[k], `best.${k}`);
    if (best.chosen !== undefined && typeof best.chosen !== 'boolean') fail('best.chosen', 'must be true or false');
    int(best.testCount, 'best.testCount');
    if (best.perClassAccuracy !== null) {
      const pca = arr(best.perClassAccuracy, 'best.perClassAccuracy');
      if (pca.length !== 7) fail('best.perClassAccuracy', 'must have 7 entries');
      pca.forEach((x, c) => numOrNull(x, `best.perClassAccuracy[${c}]`));
    }
    if (best.confusion !== null) {
      const rows = arr(best.confusion, 'best.confusion');
      if (rows.length !== 7) fail('best.confusion', 'must have 7 rows');
      rows.forEach((row, r) => {
        const cells = arr(row, `best.confusion[${r}]`);
        if (cells.length !== 7) fail(`best.confusion[${r}]`, 'must have 7 entries');
        cells.forEach((x, c) => int(x, `best.confusion[${r}][${c}]`));
      });
    }
  }
  if (root.outcome !== 'running' && root.outcome !== 'done' && root.outcome !== 'stopped') {
    fail('outcome', `must be running, done or stopped, got ${JSON.stringify(root.outcome)}`);
  }
  if (root.final !== undefined) {
    try {
      parseFinalResult(root.final, 'final');
    } catch (e) {
      throw new RunLogError(`run log: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return value as RunLog;
}
