/**
 * The cost estimate before Start: the run's plan (src/experiment/cost.ts) priced with this machine's measured speed.
 * Calibration networks are timed once per backend and network shape and kept, so a settings change that meets the
 * same shapes costs no measuring. Nothing is measured while a run or a training holds the worker.
 */
import { chromosomeKey, type Chromosome } from '../ga/chromosome';
import { estimateRun, fitLine, planRun, type Line } from '../experiment/cost';
import type { RunConfig } from '../experiment/types';
import type { BackendChoice } from '../ml/backend';
import { scaledDown, timeCalibrationNetwork, type CalibrationPoint } from '../ml/calibrate';
import { networkCost } from '../ml/model';
import type { CalibrationUse, CostEstimate } from './api';
import type { Datasets } from './datasets';

/** All the measuring one estimate may do, in milliseconds: a settings change must not keep the lab waiting. */
export const CALIBRATION_BUDGET_MS = 5000;
/**
 * A calibration network whose step is predicted to take longer has its filters halved until it does not: five steps
 * of each (two warm-up, three timed) keep three networks within the budget.
 */
const STEP_TARGET_MS = 300;
/** Halvings that bring any network (at most 1024 filters a layer) down to 2 filters a layer. */
const TO_SMALLEST = 10;
/**
 * A first step (build and warm-up included) slower than this ends that network's timing: the prediction that chose it
 * was too low, and the remaining steps would hold the worker for seconds more.
 */
const FIRST_STEP_LIMIT_MS = 4 * STEP_TARGET_MS;

/** Thrown when a run started while measuring: the estimate keeps its last value. */
export class CalibrationInterrupted extends Error {
  constructor() {
    super('a run or a training started: the machine is not measured while it trains');
    this.name = 'CalibrationInterrupted';
  }
}

const at = (line: Line, x: number): number => line.intercept + line.slope * x;

/** Seconds per training image against forward FLOPs, through the timed calibration networks. */
const trainLine = (points: readonly CalibrationPoint[]): Line =>
  fitLine(points.map((p) => ({ x: p.flops, y: p.trainSecondsPerImage })));

export class CostEstimator {
  private readonly points = new Map<string, CalibrationPoint>();
  /** Networks whose first step ran past FIRST_STEP_LIMIT_MS: never tried again on that backend and shape. */
  private readonly tooSlow = new Set<string>();
  /** Estimates run one after the other, so two calibrations never time each other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly datasets: Datasets,
    /** True while a run or a training holds the worker. */
    private readonly busy: () => boolean,
  ) {}

  /** The expected cost of a run with `config` on the dataset in memory; `onMeasuring` is told when timing starts. */
  estimate(config: RunConfig, backend: BackendChoice, onMeasuring?: () => void): Promise<CostEstimate> {
    const next = this.queue.then(() => this.compute(config, backend, onMeasuring));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async compute(config: RunConfig, backend: BackendChoice, onMeasuring?: () => void): Promise<CostEstimate> {
    if (this.busy()) throw new CalibrationInterrupted();
    const data = this.datasets.current();
    const splits = this.datasets.splitsFor(config);
    const counts = { train: splits.train.length, val: splits.val.length, test: splits.test.length };
    const plan = await planRun(config);
    const batch = Math.max(1, Math.min(config.batchSize, counts.train));
    const shape = `${backend.name}|${backend.threads ?? 0}|batch ${batch}|dense ${config.network.denseUnits}`;
    const flopsOf = (c: Chromosome): number => networkCost(c, config.network).flops;
    const started = performance.now();
    let measured = 0;
    let told = false;
    const used: CalibrationUse[] = [];
    const measure = async (c: Chromosome, role: CalibrationUse['role'], halvings: number): Promise<void> => {
      const key = `${shape}|${chromosomeKey(c)}`;
      let point = this.points.get(key);
      if (!point) {
        if (this.tooSlow.has(key) || performance.now() - started > CALIBRATION_BUDGET_MS) return;
        if (this.busy()) throw new CalibrationInterrupted();
        if (!told) onMeasuring?.();
        told = true;
        const t = performance.now();
        const timed = await timeCalibrationNetwork(c, data, splits.train, {
          batchSize: batch,
          network: config.network,
          firstStepLimitMs: FIRST_STEP_LIMIT_MS,
        });
        measured += performance.now() - t;
        // A run that started meanwhile shared the machine with these timings: they are not kept.
        if (this.busy()) throw new CalibrationInterrupted();
        if (timed === null) {
          this.tooSlow.add(key);
          return;
        }
        point = timed;
        this.points.set(key, point);
      }
      used.push({ ...point, role, halvings });
    };
    /**
     * The chromosome with its filters halved until its step is predicted within STEP_TARGET_MS, and the halvings. The
     * prediction is the larger of the fit and the time per FLOP of the largest network timed, scaled: the fit through
     * small networks can be far too low for a much larger one (memory, not arithmetic, bounds wide layers on wasm).
     */
    const affordable = (c: Chromosome): [Chromosome, number] => {
      const line = trainLine(used);
      const biggest = used.reduce<CalibrationUse | null>((a, p) => (a === null || p.flops > a.flops ? p : a), null);
      const perFlop = biggest === null ? 0 : biggest.trainSecondsPerImage / Math.max(biggest.flops, 1);
      const stepMs = (flops: number): number => Math.max(at(line, flops), perFlop * flops) * batch * 1000;
      let h = 0;
      while (h < TO_SMALLEST && stepMs(flopsOf(scaledDown(c, h))) > STEP_TARGET_MS) h++;
      return [scaledDown(c, h), h];
    };

    const { typical, largest } = plan.draws;
    if (typical && largest && counts.train > 0) {
      await measure(scaledDown(typical, TO_SMALLEST), 'smallest', TO_SMALLEST);
      for (const [c, role] of [
        [typical, 'typical'],
        [largest, 'largest'],
      ] as const) {
        // From the smallest network alone the prediction is proportional to FLOPs, far too slow for larger ones: a
        // second try with the fit through the networks timed since may afford a larger version.
        for (let attempt = 0; attempt < 2; attempt++) {
          const [timed, halvings] = affordable(c);
          // Only a network clearly larger than those timed adds to the fit.
          if (flopsOf(timed) <= 1.5 * Math.max(...used.map((p) => p.flops))) break;
          await measure(timed, role, halvings);
        }
      }
    }
    used.sort((a, b) => a.flops - b.flops);
    const speed = {
      train: trainLine(used),
      evalRatio:
        used.length > 0
          ? used.reduce((a, p) => a + p.evalSecondsPerImage / Math.max(p.trainSecondsPerImage, 1e-12), 0) / used.length
          : 1 / 3,
      overhead: fitLine(used.map((p) => ({ x: p.flops, y: p.overheadSeconds }))),
    };
    return {
      backend: { name: backend.name, ...(backend.threads === undefined ? {} : { threads: backend.threads }) },
      estimate: estimateRun(plan, speed, counts, config),
      speed,
      counts,
      points: used,
      draws: { count: plan.draws.count, median: plan.draws.median, max: plan.draws.max },
      measuredSeconds: measured / 1000,
    };
  }
}
