/**
 * The genetic algorithm, pure TypeScript (no tfjs, no DOM): import everything GA from here.
 *
 * Usage (worker side):
 * ```ts
 * const engine = saved ? GaEngine.restore(JSON.parse(saved)) : GaEngine.create({ ...PAPER_GA_DEFAULTS, seed, trainingKey });
 * const outcome = await engine.run({
 *   fitness: async (chromosome, { phase, index, signal }) => ({ fitness: valAccuracy, testAccuracy }),
 *   cost: (chromosome) => ({ params, flops }),           // needed only with maxParams / maxFlops
 *   onEvent: (e) => post(e),                               // run-started, evaluated, phase-done, run-stopped, run-done
 *   onCheckpoint: (state) => save(JSON.stringify(state)),  // after every individual and phase change
 *   shouldStop: () => stopRequested,                       // or signal: { aborted }
 * });                                                      // 'done' | 'stopped'; run() again (or restore) to resume
 * ```
 * A fitness function may return `{ fitness, ...jsonExtras }`, `{ status: 'failed', reason }` or
 * `{ status: 'skipped' }` (status 'skipped', no fitness, not cached), or throw (failed, reason = message).
 *
 * Modules: `chromosome` (JSON type, bounds, key, validator), `genes` (flat gene list and domains), `operators`
 * (init*, sel*, cx*, mut*, varAnd, hofUpdate), `config` (GaConfig, PAPER_GA_DEFAULTS), `engine` (GaEngine), `types`
 * (individuals, events, fitness and cost functions, engine state), `halving` (successive halving's rung schedule and
 * promotion rule), `rng`.
 */
export * from './chromosome';
export * from './config';
export * from './emo';
export * from './engine';
export * from './genes';
export * from './halving';
export * from './operators';
export * from './rng';
export * from './types';
