/** A run log turned back into the RunEvents that built it, so a saved or imported run can be shown (and continued). Pure. */
import { chromosomeKey } from '../ga/chromosome';
import type { RunLog } from '../experiment/runlog';
import type { IndividualRecord, RunEvent } from '../experiment/types';

type BackendName = Extract<RunEvent, { type: 'run-started' }>['backend']['name'];

/**
 * The events that rebuild `log`: run-started, every evaluated individual and phase-done in order, the test result,
 * run-done and the final training's result when the log has them. `runLogFromEvents(runLogToEvents(log))` equals `log` except for its timing fields
 * (createdAt, finishedAt), which the events do not carry. `software` fills the backend flag the log does not keep.
 */
export function runLogToEvents(log: RunLog, software = false): RunEvent[] {
  const events: RunEvent[] = [
    {
      type: 'run-started',
      config: log.config,
      phases: log.phasesPlanned,
      backend: { name: log.backend.name as BackendName, reason: log.backend.reason, software },
    },
  ];
  for (const phase of log.phases) {
    if (phase.rungEpochs) {
      // The rungs the phase ran; the individuals' records already say which rung each one reached.
      events.push({
        type: 'rung-started',
        phase: phase.phase,
        rung: 0,
        rungEpochs: phase.rungEpochs,
        indices: phase.individuals.map((_, i) => i),
      });
    }
    for (const ind of phase.individuals) {
      if (ind) events.push({ type: 'evaluated', ...ind });
    }
    if (phase.front) events.push({ type: 'front', phase: phase.phase, members: phase.front });
    if (phase.done) {
      events.push({
        type: 'phase-done',
        phase: phase.phase,
        best: phase.best,
        mean: phase.mean,
        min: phase.min,
        fitnesses: phase.individuals.map((i) => i?.fitness ?? null),
        seconds: phase.seconds,
        ...(phase.rungEpochs ? { rungEpochs: phase.rungEpochs } : {}),
        ...(phase.front ? { front: phase.front } : {}),
      });
    }
  }
  const best = log.best;
  if (best && best.testAccuracy !== null && best.perClassAccuracy && best.confusion) {
    events.push({
      type: 'test-result',
      ...(best.chosen && best.phase !== null && best.index !== null
        ? { chosen: { phase: best.phase, index: best.index } }
        : {}),
      chromosome: best.chromosome,
      evaluation: {
        accuracy: best.testAccuracy,
        // JSON has no NaN: the log writes an undefined loss or class accuracy as null.
        loss: best.testLoss ?? Number.NaN,
        perClassAccuracy: best.perClassAccuracy.map((x) => x ?? Number.NaN),
        confusion: best.confusion,
        count: best.testCount,
      },
    });
  }
  if (log.outcome !== 'running') events.push({ type: 'run-done', outcome: log.outcome, best: bestRecord(log) });
  if (log.final) events.push({ type: 'final-done', outcome: 'done', result: log.final });
  return events;
}

/** The individual record the log names as best (by phase and index), or one rebuilt from the best entry. */
function bestRecord(log: RunLog): IndividualRecord | null {
  const b = log.best;
  if (!b) return null;
  if (b.phase !== null && b.index !== null) {
    const found = log.phases[b.phase]?.individuals[b.index];
    if (found && chromosomeKey(found.chromosome) === chromosomeKey(b.chromosome)) return found;
  }
  return {
    phase: b.phase ?? 0,
    index: b.index ?? 0,
    chromosome: b.chromosome,
    fitness: b.valAccuracy,
    status: 'trained',
    seconds: 0,
    params: b.params ?? 0,
  };
}
