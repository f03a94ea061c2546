/** The Pareto views' shared reading of the run: which objectives, the front's records, and how to show each cost. */
import type { IndividualRecord, IndividualRef, ObjectiveValues } from '../worker/api';

/** A cost the Pareto chart can put on its x axis. */
export type CostKey = 'params' | 'flops' | 'latencyMs';

/** The run's costs (from its objectives setting), in the order the person chose them. */
export function costsOf(objectives: readonly string[] | undefined): CostKey[] {
  return (objectives ?? []).flatMap((o): CostKey[] =>
    o === 'params' ? ['params'] : o === 'flops' ? ['flops'] : o === 'latency' ? ['latencyMs'] : [],
  );
}

/** Each cost's name, unit and format. Parameters and FLOPs span decades, so their axis is logarithmic. */
export const COST: Readonly<
  Record<CostKey, { readonly label: string; readonly log: boolean; readonly format: (v: number) => string }>
> = {
  params: { label: 'Parameters', log: true, format: (v) => Math.round(v).toLocaleString('en-US') },
  flops: {
    label: 'FLOPs per image',
    log: true,
    format: (v) =>
      v >= 1e9
        ? `${(v / 1e9).toFixed(2)} G`
        : v >= 1e6
          ? `${(v / 1e6).toFixed(2)} M`
          : Math.round(v).toLocaleString('en-US'),
  },
  latencyMs: { label: 'Latency (ms per image)', log: false, format: (v) => v.toFixed(2) },
};

/** The records of the front's members, in the front's order (best accuracy first). */
export function frontRecords(
  individuals: readonly IndividualRecord[],
  front: readonly IndividualRef[],
): IndividualRecord[] {
  return front.flatMap((ref) => individuals.find((r) => r.phase === ref.phase && r.index === ref.index) ?? []);
}

/** All objective values of a record on one line, as hover and tables show them. */
export function objectivesText(o: ObjectiveValues): string {
  return `accuracy ${(o.accuracy * 100).toFixed(2)}%, ${COST.params.format(o.params)} parameters, ${COST.flops.format(o.flops)} FLOPs, ${COST.latencyMs.format(o.latencyMs)} ms`;
}
