/** Selectors that several readers share (views and the automation hook), so a rule is written once. */
import { settingsErrors } from './config';
import type { LabState } from './index';

/** True while a run starts, runs or stops. */
export const runActive = (s: LabState): boolean =>
  s.status === 'running' || s.status === 'starting' || s.status === 'stopping';

/** True while Train best longer starts, trains or stops. */
export const finalActive = (s: LabState): boolean =>
  s.final.status === 'starting' || s.final.status === 'training' || s.final.status === 'stopping';

/** Why Start cannot be pressed now (a run is on, or what to do first), or null when it can. */
export function startBlocker(s: LabState): string | null {
  if (runActive(s)) return 'a run is in progress';
  if (finalActive(s)) return 'The best network is being trained longer: stop that training or wait for it.';
  if (s.dataset === null) return 'Load a dataset first.';
  if (Object.keys(settingsErrors(s.config, s.drafts)).length > 0) return 'Fix the settings marked in red.';
  if (s.backend === null) return 'Waiting for the training backend.';
  return null;
}

/**
 * Why Download model and Try the model have no model to offer now, or null when they do: the run in view must have
 * ended with a network the worker holds (its own, or a saved run's, see openRunModel).
 */
export function modelBlocker(s: LabState): string | null {
  if (finalActive(s)) return 'Available again when the final training ends.';
  if ((s.status === 'done' || s.status === 'stopped') && s.modelSource !== null) return null;
  if (s.viewing && (s.status === 'done' || s.status === 'stopped')) {
    const run = s.runs.find((r) => r.id === s.viewing?.id);
    const why = run?.imported
      ? 'an imported run log holds no weights'
      : s.best === null
        ? 'no candidate of this run finished training'
        : "its weights are not saved in this browser (storage refused them, or the run ended before the lab kept each run's model)";
    return `This saved run has no model: ${why}.`;
  }
  return 'Available when a run has trained a model.';
}
