/** What both modes of `evolve` share: the one-line failure type and the report files written beside run.json. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pct } from '../src/experiment/format';
import { fitnessChartSvg, renderFront, renderReport } from '../src/experiment/report';
import type { RunLog } from '../src/experiment/runlog';
import { writeAtomic } from './checkpoint';

/** A failure with its exit code and one-line message; anything else thrown is reported as a failed run (1). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2,
  ) {
    super(message);
  }
}

/** Exit code of a run stopped by Ctrl-C or SIGTERM. */
export const EXIT_STOPPED = 130;

/**
 * Writes fitness.svg, report.md, run.json and, for a multi-objective run, front.md into `out` (model/ is written by the
 * caller; `hasModel` links it from the report).
 */
export async function writeRunFiles(out: string, log: RunLog, hasModel: boolean): Promise<void> {
  await mkdir(out, { recursive: true });
  await writeAtomic(path.join(out, 'fitness.svg'), fitnessChartSvg(log));
  if ((log.config.objectives?.length ?? 1) >= 2) await writeAtomic(path.join(out, 'front.md'), renderFront(log));
  await writeAtomic(
    path.join(out, 'report.md'),
    renderReport(log, { chartFile: 'fitness.svg', ...(hasModel ? { modelDir: 'model/' } : {}) }),
  );
  await writeAtomic(path.join(out, 'run.json'), `${JSON.stringify(log, null, 2)}\n`);
}

/** The closing line of a finished run. */
export function doneMessage(out: string, log: RunLog, hasModel: boolean): string {
  const final = log.final
    ? `; final network (${log.final.epochs.length} epochs): validation ${pct(log.final.valAccuracy)}, test ${pct(log.final.testAccuracy)}`
    : '';
  return (
    `evolve: done. best validation accuracy ${pct(log.best?.valAccuracy)}, test accuracy ${pct(log.best?.testAccuracy)}${final}; ` +
    `wrote ${path.join(out, 'run.json')}, report.md, fitness.svg${(log.config.objectives?.length ?? 1) >= 2 ? ', front.md' : ''}${hasModel ? `, model/${log.final ? ' (the final network)' : ''}` : ''}`
  );
}
