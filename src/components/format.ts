/** Formats only the views use (percentages, durations and phase names are src/experiment/format.ts's, shared with the report and the CLI). */
import type { Chromosome } from '../worker/api';

/** A chromosome on one line: filters/kernel/activation per conv layer, then optimizer and learning rate. */
export function chromosomeSummary(c: Chromosome): string {
  return `${c.conv.map((g) => `${g.filters}·${g.kernel}x${g.kernel}·${g.activation}`).join(' | ')} · ${c.optimizer} ${c.learningRate.toPrecision(3)}`;
}
