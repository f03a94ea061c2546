/**
 * One training step on a GPU backend equals the cpu backend's: the suite shared by webgpu-step.spec.ts and
 * webgl-step.spec.ts. It drives tests/pages/gpu-step.html, which runs the project's own model builder, optimizers,
 * batches and loss on both backends.
 */
import { expect, test, type Page } from '@playwright/test';
import type { Activation, Chromosome, ConvGene, OptimizerName } from '../../src/ga/chromosome';
import { ACTIVATIONS, OPTIMIZERS } from '../../src/ga/chromosome';
import type { CaseReport, StepCase, VariableReport } from '../pages/step-compare';

/*
 * Tolerances, float32 on both sides, with different kernels (tiled GPU convolutions and matrix products, the cpu
 * backend's plain loops) that add the same terms in a different order:
 * - LOSS_RTOL: the first loss is a forward pass only; its difference is rounding in six convolutions, batch norm and
 *   softmax (about 1e-6 relative is typical), and the margin absorbs the GPUs' transcendental functions (exp, log,
 *   tanh), whose WGSL/GLSL precision is a few ulp.
 * - GRAD_RTOL: a filter gradient sums up to batch·48·48·k² products, so its rounding error is about
 *   sqrt(terms)·2^-24 of the summed magnitudes, and the sum can be far smaller than its terms: batch norm follows every
 *   conv, so the upstream gradient dz sums to about 0 over the positions, while the first layer's inputs (pixels) are
 *   all positive. Measured: up to 4e-5 of the layer's largest gradient for most layers, 1.3e-3 for the first layer with
 *   a 1x1 kernel at batch 1. The scale is the largest gradient of the layer (kernel and bias together), because the bias
 *   of a conv layer with a linear activation feeds batch norm, which cancels it: its true gradient is 0 and both
 *   backends return rounding noise on the scale of the layer's other gradients. A wrong kernel (padding, activation
 *   derivative, a transposed filter) is off by the order of the gradient itself, a hundred times this tolerance.
 * - OPTIMIZER_RTOL: the GPU optimizer and the cpu optimizer given the same gradients do the same few float32 operations
 *   per element (measured: identical or 1 ulp), relative to the largest update (about the learning rate).
 * - The update from each backend's own gradients is bounded through the gradients (excessOverGradientBound in
 *   tests/pages/step-compare.ts): Adam-like optimizers divide by |g| + 1e-7, so an element whose gradient is near 0
 *   may legitimately move by a good part of the learning rate when its rounding differs; the bound allows exactly
 *   what the gradient difference explains, plus OPTIMIZER_RTOL.
 * - STATS_RTOL: batch-norm moving statistics after one step, relative to their largest change.
 */
export const LOSS_RTOL = 1e-4;
export const GRAD_RTOL = 1e-2;
export const OPTIMIZER_RTOL = 1e-5;
export const STATS_RTOL = 1e-3;
/** Weights after several steps of an optimizer whose update is Lipschitz in the gradient (see changeFailures). */
export const CHANGE_RTOL = 1e-3;
const LIPSCHITZ: ReadonlySet<OptimizerName> = new Set(['sgd', 'adagrad']);
/** The loss after several steps: each step's rounding differences feed the next one, so they grow (see the 10-step test). */
export const TRAJECTORY_RTOL = 1e-3;

/** Small dense head and the default dropout: the network is the project's, only narrower where the paper leaves it open. */
const NETWORK = { denseUnits: 8, dropoutConv: 0.25, dropoutDense: 0.5 } as const;
const gene = (filters: number, kernel: number, activation: Activation): ConvGene => ({ filters, kernel, activation });
const BASE = gene(2, 3, 'relu');
const chromosome = (conv: readonly ConvGene[], optimizer: OptimizerName, learningRate = 0.005): Chromosome => ({
  conv,
  optimizer,
  learningRate,
});
const stepCase = (id: string, c: Chromosome, batch = 1, steps = 1): StepCase => ({
  id,
  chromosome: c,
  network: NETWORK,
  batch,
  steps,
  seed: 11,
});

/**
 * Every dimension without the cross product: each of the six conv layers carries its own activation, kernel or filter
 * count, so a few networks cover all values; the optimizers and batch sizes vary around a base network of six 2-filter
 * 3x3 relu convs (48x48x1 input, as the model builder fixes).
 */
export const STEP_CASES: readonly StepCase[] = [
  stepCase(
    'activations relu, elu, tanh, sigmoid, hard_sigmoid, softplus',
    chromosome(
      ACTIVATIONS.slice(0, 6).map((a) => gene(2, 3, a)),
      'adam',
    ),
  ),
  stepCase(
    'kernels 1 to 6 (odd and even, same padding)',
    chromosome(
      [1, 2, 3, 4, 5, 6].map((k) => gene(2, k, 'relu')),
      'sgd',
      0.01,
    ),
  ),
  stepCase(
    'kernels 7, 8, 9 with the linear activation',
    chromosome(
      [7, 8, 9, 9, 8, 7].map((k) => gene(2, k, 'linear')),
      'rmsprop',
      0.001,
    ),
  ),
  stepCase(
    'filters 2, 4, 8, 16, 32, 64',
    chromosome(
      [2, 4, 8, 16, 32, 64].map((f) => gene(f, 3, 'relu')),
      'adagrad',
      0.007,
    ),
  ),
  stepCase('batch 32', chromosome(Array(6).fill(BASE), 'adam'), 32),
  stepCase('batch 5 (a short last batch)', chromosome(Array(6).fill(BASE), 'adam'), 5),
  // Three steps each, so that every optimizer's state (moments, accumulators, step count) is carried on the GPU.
  ...OPTIMIZERS.map((o) => stepCase(`optimizer ${o}, three steps`, chromosome(Array(6).fill(BASE), o, 0.003), 1, 3)),
];

/** The largest value of `pick` over the trainable weights of the variable's layer (kernel and bias, or gamma and beta). */
function layerScale(
  v: VariableReport,
  all: readonly VariableReport[],
  pick: (w: VariableReport) => number | undefined,
): number {
  const layer = v.name.split('/')[0];
  return Math.max(...all.filter((w) => w.trainable && w.name.split('/')[0] === layer).map((w) => pick(w) ?? 0));
}

/**
 * The weights after several steps, for an optimizer whose update is Lipschitz in the gradient (sgd, adagrad: |du/dg| is
 * at most lr/sqrt(0.1) for adagrad), so float32 differences cannot flip an update: the total change of every weight
 * must match to `rtol` of the largest change in its layer (the layer scale again covers biases that batch norm cancels).
 */
export function changeFailures(r: CaseReport, rtol: number): string[] {
  return r.variables.flatMap((v) => {
    if (!v.trainable || !v.change) return [];
    const tol = rtol * layerScale(v, r.variables, (w) => w.change?.scale) + 2 * 2 ** -24 * v.weightScale;
    return v.change.err <= tol
      ? []
      : [`${v.name} after ${r.losses.length} steps: change differs by ${v.change.err} > ${tol}`];
  });
}

/** The worst differences of a case relative to their scales, for the test report (how close each tolerance is). */
export function worstRatios(r: CaseReport): string {
  const worst = (values: number[]): string => Math.max(0, ...values).toExponential(1);
  const grads = r.variables.flatMap((v) =>
    v.grad ? [v.grad.err / layerScale(v, r.variables, (w) => w.grad?.scale)] : [],
  );
  const optimizer = r.variables.flatMap((v) =>
    v.sameGradUpdate && v.sameGradUpdate.scale > 0 ? [v.sameGradUpdate.err / v.sameGradUpdate.scale] : [],
  );
  const losses = r.losses.map(
    (l, i) => Math.abs(l - (r.lossesCpu[i] ?? NaN)) / Math.max(1, Math.abs(r.lossesCpu[i] ?? NaN)),
  );
  return `loss ${worst(losses)}, gradient ${worst(grads)} of its layer's largest, optimizer ${worst(optimizer)} of its largest update`;
}

/** Every failure of the case as one line each, so a failing test names every weight that is off. */
export function stepFailures(r: CaseReport): string[] {
  const failures: string[] = [];
  r.losses.forEach((loss, i) => {
    const cpu = r.lossesCpu[i] ?? NaN;
    const tol = (i === 0 ? LOSS_RTOL : TRAJECTORY_RTOL) * Math.max(1, Math.abs(cpu));
    if (!(Math.abs(loss - cpu) <= tol))
      failures.push(`loss of step ${i + 1}: ${loss} vs cpu ${cpu} (tolerance ${tol})`);
  });
  for (const v of r.variables) {
    if (v.grad) {
      const tol = GRAD_RTOL * layerScale(v, r.variables, (w) => w.grad?.scale);
      if (!(v.grad.err <= tol)) failures.push(`${v.name} gradient: max difference ${v.grad.err} > ${tol}`);
    }
    // An update read back as new minus old weight carries the rounding of the stored new weight on each side.
    const stored = 2 * 2 ** -24 * v.weightScale;
    if (v.sameGradUpdate) {
      const tol = OPTIMIZER_RTOL * v.sameGradUpdate.scale + stored;
      if (!(v.sameGradUpdate.err <= tol))
        failures.push(`${v.name} optimizer update on the same gradients: ${v.sameGradUpdate.err} > ${tol}`);
    }
    if (v.updateExcess !== undefined) {
      const tol = OPTIMIZER_RTOL * v.update.scale + stored;
      if (!(v.updateExcess <= tol))
        failures.push(
          `${v.name} updated weight: ${v.updateExcess} beyond what its gradient difference explains (> ${tol})`,
        );
    }
    if (!v.trainable) {
      const tol = STATS_RTOL * v.update.scale + stored;
      if (!(v.update.err <= tol)) failures.push(`${v.name} after the step: max difference ${v.update.err} > ${tol}`);
    }
  }
  if (r.cpuWork.gpuReads.length > 0)
    failures.push(`synchronous GPU reads (CPU fallbacks) in: ${[...new Set(r.cpuWork.gpuReads)].join(', ')}`);
  if (r.cpuWork.warnings.length > 0) failures.push(`tfjs warned: ${r.cpuWork.warnings.join(' | ')}`);
  if (r.leakedTensors !== 0) failures.push(`${r.leakedTensors} tensors left after the steps`);
  return failures;
}

/** Opens the test page once for a whole serial suite: the GPU's compiled shaders are reused from case to case. */
export async function openStepPage(page: Page): Promise<void> {
  await page.goto('/tests/pages/gpu-step.html', { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => typeof window.compareSteps === 'function');
}

/** Runs cases on the backend in the open page. */
export async function compare(
  page: Page,
  backend: 'webgpu' | 'webgl',
  cases: readonly StepCase[],
): Promise<CaseReport[]> {
  const { choice, reports } = await page.evaluate(([b, cs]) => window.compareSteps(b, cs), [backend, cases] as const);
  expect(choice.name).toBe(backend);
  return reports;
}

/** The suite for one backend: every case in STEP_CASES, and a check that the CPU-fallback watch sees a real fallback. */
export function defineStepSuite(backend: 'webgpu' | 'webgl'): void {
  test.describe(`one training step on ${backend} equals cpu`, () => {
    test.describe.configure({ mode: 'serial' });
    let page: Page;
    test.beforeAll(async ({ browser }) => {
      page = await browser.newPage();
      await openStepPage(page);
    });
    test.afterAll(async () => {
      await page.close();
    });

    for (const c of STEP_CASES) {
      test(c.id, async () => {
        const [r] = await compare(page, backend, [c]);
        if (!r) throw new Error('no report');
        test.info().annotations.push({
          type: 'cpu forwarding',
          description: `${backend} computed these kernels on the CPU because their inputs were small and never uploaded: ${JSON.stringify(r.cpuWork.forwarded)}`,
        });
        test.info().annotations.push({ type: 'worst differences', description: worstRatios(r) });
        test.info().annotations.push({
          type: 'seconds',
          description: `cpu ${r.seconds.cpu.toFixed(1)}, ${backend} ${r.seconds.gpu.toFixed(1)}`,
        });
        expect(stepFailures(r)).toEqual([]);
        if (r.losses.length > 1 && LIPSCHITZ.has(c.chromosome.optimizer))
          expect(changeFailures(r, CHANGE_RTOL)).toEqual([]);
        expect(r.variables.length).toBeGreaterThan(0);
      });
    }
  });

  // In a page of its own: on SwiftShader a synchronous WebGPU read loses the page's WebGPU instance.
  test(`the watch reports a kernel that computes on the CPU on ${backend}`, async ({ page }) => {
    await openStepPage(page);
    const work = await page.evaluate((b) => window.provokeCpuFallback(b), backend);
    expect(work.gpuReads).toContain('Tile');
  });
}
