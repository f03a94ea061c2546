/**
 * What a run will cost before it starts, and how much of it is left while it runs: a pure model (no tfjs) of the
 * trainings a run's settings make, priced with a measured speed (src/ml/calibrate.ts). The trainings come from the GA
 * engine itself, run with a stand-in fitness: its initial population (and every phase of random search) is exactly
 * the run's, and its phases, cache, elitism, budget and halving rungs are the real structure.
 */
import { chromosomeKey, GaEngine, initChromosome, Rng, type Chromosome, type FitnessResult } from '../ga';
import { gaConfig, type RunConfig } from '../settings';
import { networkCost } from './networkCost';

/** Networks drawn from the run's seed to find the median and the largest network the settings allow. */
export const COST_DRAWS = 200;
/** Runs of the engine with different stand-in fitness, whose trainings are averaged (later GA phases depend on fitness). */
export const COST_SIMULATIONS = 3;

/** One training call a run makes: its network's forward FLOPs per image and the epochs the call trains. */
export interface PlannedTraining {
  readonly phase: number;
  readonly flops: number;
  /** Epochs this call adds (with successive halving, a promoted candidate continues from the rung below). */
  readonly epochs: number;
}

/** The trainings a run's settings make, independent of the machine. */
export interface RunPlan {
  /** The training calls of `simulations` simulated runs, one after the other; each counts 1 / simulations. */
  readonly trainings: readonly PlannedTraining[];
  readonly simulations: number;
  readonly phases: number;
  /** The networks drawn from the run's seed that the budget lets train: their number, the median and the largest. */
  readonly draws: {
    readonly count: number;
    readonly median: number;
    readonly max: number;
    readonly typical: Chromosome | null;
    readonly largest: Chromosome | null;
  };
}

/** A drawn network and its forward FLOPs per image. */
export interface DrawnNetwork {
  readonly chromosome: Chromosome;
  readonly flops: number;
}

/**
 * `count` networks drawn as the run's initial population draws them (the GA's generator on the run's seed), keeping
 * those within the budget (over-budget ones never train), cheapest first.
 */
export function drawNetworks(config: RunConfig, count = COST_DRAWS): DrawnNetwork[] {
  const rng = Rng.fromSeed(config.seed);
  const drawn: DrawnNetwork[] = [];
  for (let i = 0; i < count; i++) {
    const chromosome = initChromosome(rng, config.maxFilters);
    const cost = networkCost(chromosome, config.network);
    const withinParams = config.maxParams === undefined || cost.params <= config.maxParams;
    const withinFlops = config.maxMflops === undefined || cost.flops <= config.maxMflops * 1e6;
    if (withinParams && withinFlops) drawn.push({ chromosome, flops: cost.flops });
  }
  return drawn.sort((a, b) => a.flops - b.flops);
}

/** A stand-in accuracy in [0, 1) for a chromosome: a hash, so each simulation ranks the networks its own way. */
function standInFitness(c: Chromosome, salt: number): number {
  let h = 0x811c9dc5 ^ Math.imul(salt + 1, 0x9e3779b1);
  for (const ch of chromosomeKey(c)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

/** The training calls of one run of the engine with the stand-in fitness `salt`. */
async function simulate(config: RunConfig, salt: number): Promise<PlannedTraining[]> {
  const engine = GaEngine.create(gaConfig(config, 'cost-estimate'));
  const reached = new Map<string, number>();
  const calls: PlannedTraining[] = [];
  const cost = (c: Chromosome) => networkCost(c, config.network);
  await engine.run({
    cost,
    fitness: async (c, ctx): Promise<FitnessResult> => {
      const { params, flops } = cost(c);
      const to = ctx.epochs ?? config.epochs;
      const at = `${ctx.phase}:${ctx.index}`;
      const from = Math.min(reached.get(at) ?? 0, to);
      reached.set(at, to);
      calls.push({ phase: ctx.phase, flops, epochs: to - from });
      const accuracy = standInFitness(c, salt);
      return { fitness: accuracy, epochsTrained: to, objectives: { accuracy, params, flops, latencyMs: flops / 1e6 } };
    },
  });
  return calls;
}

/** The trainings a run with these settings makes (averaged over COST_SIMULATIONS stand-in fitnesses). */
export async function planRun(config: RunConfig, simulations = COST_SIMULATIONS): Promise<RunPlan> {
  const trainings: PlannedTraining[] = [];
  for (let s = 0; s < simulations; s++) trainings.push(...(await simulate(config, s)));
  const drawn = drawNetworks(config);
  const typical = drawn[Math.floor(drawn.length / 2)];
  const largest = drawn[drawn.length - 1];
  return {
    trainings,
    simulations,
    phases: config.generations + 1,
    draws: {
      count: drawn.length,
      median: typical?.flops ?? 0,
      max: largest?.flops ?? 0,
      typical: typical?.chromosome ?? null,
      largest: largest?.chromosome ?? null,
    },
  };
}

/** A straight line y = intercept + slope x. */
export interface Line {
  readonly intercept: number;
  readonly slope: number;
}

/**
 * The least-squares line through the points, kept non-negative (a time is never negative): a negative slope becomes
 * a flat line at the mean, a negative intercept a line through the origin.
 */
export function fitLine(points: readonly { readonly x: number; readonly y: number }[]): Line {
  const n = points.length;
  if (n === 0) return { intercept: 0, slope: 0 };
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const throughOrigin = (): Line => {
    const xx = points.reduce((a, p) => a + p.x * p.x, 0);
    return xx > 0
      ? { intercept: 0, slope: points.reduce((a, p) => a + p.x * p.y, 0) / xx }
      : { intercept: my, slope: 0 };
  };
  // One network size: proportional to FLOPs. Times that fall with size are noise: the mean then.
  if (sxx === 0) return throughOrigin();
  const slope = sxy / sxx;
  if (slope < 0) return { intercept: my, slope: 0 };
  const intercept = my - slope * mx;
  return intercept >= 0 ? { intercept, slope } : throughOrigin();
}

/** Seconds a machine takes, as calibrated: lines in forward FLOPs per image. */
export interface SpeedModel {
  /** Seconds per training image (its share of a step at the run's batch size). */
  readonly train: Line;
  /** Seconds of a validation image as a fraction of a training image's (inference only: no backward pass). */
  readonly evalRatio: number;
  /** Seconds of one training call besides its images: building the network, the first step, the latency measurement. */
  readonly overhead: Line;
}

/** Images of the splits the run uses. */
export interface SplitCounts {
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

const at = (line: Line, x: number): number => line.intercept + line.slope * x;

/** Predicted seconds of `calls` training calls of a network of `flops` that train `epochs` epochs in all. */
export function trainingSeconds(
  speed: SpeedModel,
  counts: SplitCounts,
  flops: number,
  epochs: number,
  calls = 1,
): number {
  const perImage = at(speed.train, flops);
  return epochs * (counts.train + counts.val * speed.evalRatio) * perImage + calls * at(speed.overhead, flops);
}

/** What a run is expected to cost on this machine. */
export interface RunEstimate {
  /** Expected wall seconds from Start to the end of the search (the test of its best network included). */
  readonly seconds: number;
  /** True when early stopping may end trainings sooner: `seconds` is then an upper bound. */
  readonly upperBound: boolean;
  /** Expected training calls (a rung of a candidate with halving is one call), and their epochs in all. */
  readonly trainings: number;
  readonly epochs: number;
  /** Expected images through a training step, and through validation. */
  readonly imagesTrained: number;
  readonly imagesValidated: number;
  /** Mean forward FLOPs per image of the networks trained (weighted by their epochs). */
  readonly meanFlops: number;
  /** Expected training calls and seconds of each phase. */
  readonly phaseTrainings: readonly number[];
  readonly phaseSeconds: readonly number[];
  /** Seconds of testing the best network at the end. */
  readonly testSeconds: number;
}

/**
 * The expected cost of the planned run at the measured speed. A training call never costs more than the time budget
 * per candidate (the trainer stops it there); over-budget candidates never train and are not in the plan.
 */
export function estimateRun(
  plan: RunPlan,
  speed: SpeedModel,
  counts: SplitCounts,
  config: Pick<RunConfig, 'patience' | 'maxSeconds'>,
): RunEstimate {
  const w = 1 / Math.max(plan.simulations, 1);
  const phaseTrainings = new Array<number>(plan.phases).fill(0);
  const phaseSeconds = new Array<number>(plan.phases).fill(0);
  let epochs = 0;
  let flopEpochs = 0;
  for (const t of plan.trainings) {
    const s = Math.min(trainingSeconds(speed, counts, t.flops, t.epochs), config.maxSeconds ?? Infinity);
    phaseTrainings[t.phase] = (phaseTrainings[t.phase] ?? 0) + w;
    phaseSeconds[t.phase] = (phaseSeconds[t.phase] ?? 0) + w * s;
    epochs += w * t.epochs;
    flopEpochs += w * t.epochs * t.flops;
  }
  const meanFlops = epochs > 0 ? flopEpochs / epochs : 0;
  const trainings = phaseTrainings.reduce((a, b) => a + b, 0);
  const testSeconds = trainings > 0 ? counts.test * speed.evalRatio * at(speed.train, meanFlops) : 0;
  return {
    seconds: phaseSeconds.reduce((a, b) => a + b, 0) + testSeconds,
    upperBound: config.patience > 0,
    trainings,
    epochs,
    imagesTrained: epochs * counts.train,
    imagesValidated: epochs * counts.val,
    meanFlops,
    phaseTrainings,
    phaseSeconds,
    testSeconds,
  };
}

/** A finished evaluation of the run, as the page holds it (IndividualRecord's fields that the ETA reads). */
export interface DoneTraining {
  readonly phase: number;
  readonly status: string;
  readonly seconds: number;
  readonly flops?: number;
  readonly epochsTrained?: number;
  readonly rungs?: readonly unknown[];
}

/** The candidate in training: its network, the epochs this call trains from and to, and how far it is (0..1). */
export interface TrainingNow {
  readonly phase: number;
  readonly flops: number;
  readonly fromEpochs: number;
  readonly toEpochs: number;
  readonly fraction: number;
}

/** The seconds the finished trainings took, and what the model predicted for them. */
export function trainedSeconds(
  speed: SpeedModel,
  counts: SplitCounts,
  done: readonly DoneTraining[],
): { readonly actual: number; readonly predicted: number } {
  let actual = 0;
  let predicted = 0;
  for (const r of done) {
    if (r.seconds <= 0 || r.status !== 'trained' || r.flops === undefined || r.epochsTrained === undefined) continue;
    actual += r.seconds;
    predicted += trainingSeconds(speed, counts, r.flops, r.epochsTrained, r.rungs?.length ?? 1);
  }
  return { actual, predicted };
}

/**
 * How long the finished trainings took against what the model predicted for them (actual / predicted), or null
 * before any finished. The page drawing a run, and other work on the machine, make trainings slower than the
 * calibration's bare steps: this ratio corrects for it.
 */
export function measuredRatio(speed: SpeedModel, counts: SplitCounts, done: readonly DoneTraining[]): number | null {
  const { actual, predicted } = trainedSeconds(speed, counts, done);
  return actual > 0 && predicted > 0 ? actual / predicted : null;
}

/**
 * Seconds left in a run: the model's prediction for the candidate in training, the rest of its phase and the later
 * phases, scaled by how long the trainings so far actually took against what the model predicted for them (so the
 * figure converges on this run's real speed); `prior` is the scale before any training finished.
 */
export function remainingSeconds(
  estimate: RunEstimate,
  speed: SpeedModel,
  counts: SplitCounts,
  done: readonly DoneTraining[],
  now: TrainingNow | null,
  maxSeconds?: number,
  prior = 1,
): number {
  const callsDone = new Map<number, number>();
  for (const r of done) {
    if (r.seconds > 0) callsDone.set(r.phase, (callsDone.get(r.phase) ?? 0) + (r.rungs?.length ?? 1));
  }
  const ratio = measuredRatio(speed, counts, done) ?? prior;
  const phase = now?.phase ?? done.reduce((p, r) => Math.max(p, r.phase), -1);
  let left = estimate.testSeconds;
  for (let p = Math.max(phase, 0); p < estimate.phaseTrainings.length; p++) {
    const expected = estimate.phaseTrainings[p] ?? 0;
    const seconds = estimate.phaseSeconds[p] ?? 0;
    if (p > phase) {
      left += seconds;
      continue;
    }
    const remaining = Math.max(0, expected - (callsDone.get(p) ?? 0) - (now ? 1 : 0));
    left += expected > 0 ? (remaining * seconds) / expected : 0;
  }
  if (now) {
    const whole = trainingSeconds(speed, counts, now.flops, Math.max(0, now.toEpochs - now.fromEpochs));
    left += Math.min(whole, maxSeconds ?? Infinity) * (1 - Math.min(1, Math.max(0, now.fraction)));
  }
  return left * ratio;
}
