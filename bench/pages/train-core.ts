/** One training step of a chromosome's network timed on the current tfjs backend; shared by the Chromium page and Node. */
import * as tf from '@tensorflow/tfjs';
import type { Chromosome } from '../../src/ga/chromosome';
import { crossEntropyOfProbs } from '../../src/ml/loss';
import { buildModel, DEFAULT_NETWORK } from '../../src/ml/model';
import { makeOptimizer } from '../../src/ml/optimizers';

export interface TrainBenchOptions {
  readonly chromosome: Chromosome;
  readonly batch: number;
  readonly warmup: number;
  readonly steps: number;
  /** Stop timing after this many seconds (at least one timed step): software GPU backends are very slow. */
  readonly capSeconds: number;
  /** Also profile one extra step by kernel. */
  readonly profile: boolean;
}

export interface TrainBenchResult {
  readonly backend: string;
  readonly imagesPerSecond: number;
  readonly msPerStep: number;
  readonly timedSteps: number;
  /** Wall time of the warm-up steps (shader compilation, wasm JIT, first allocations). */
  readonly warmupSeconds: number;
  readonly loss: number;
  /** Kernel milliseconds of one profiled step, largest first. */
  readonly kernels?: readonly { readonly name: string; readonly ms: number }[];
}

/** Trains on random inputs with the chromosome's optimizer and the trainer's loss (softmax probabilities, clipped log). */
export async function benchTraining(o: TrainBenchOptions): Promise<TrainBenchResult> {
  const model = buildModel(o.chromosome, DEFAULT_NETWORK, 1);
  const optimizer = makeOptimizer(o.chromosome.optimizer, o.chromosome.learningRate);
  const xs = tf.randomUniform([o.batch, 48, 48, 1], 0, 1, 'float32', 1);
  const ys = tf.tidy(
    () =>
      tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: o.batch }, (_, i) => i % 7),
            'int32',
          ),
          7,
        )
        .toFloat() as tf.Tensor2D,
  );
  const step = async (): Promise<number> => {
    const loss = optimizer.minimize(
      () => crossEntropyOfProbs(ys, model.apply(xs, { training: true }) as tf.Tensor2D),
      true,
    );
    const v = (await loss?.data())?.[0] ?? NaN;
    loss?.dispose();
    return v;
  };
  try {
    const w0 = performance.now();
    for (let i = 0; i < o.warmup; i++) await step();
    const warmupSeconds = (performance.now() - w0) / 1000;
    const t0 = performance.now();
    let loss = NaN;
    let timed = 0;
    while (timed < o.steps && (timed === 0 || performance.now() - t0 < o.capSeconds * 1000)) {
      loss = await step();
      timed++;
    }
    const ms = (performance.now() - t0) / timed;
    let kernels: { name: string; ms: number }[] | undefined;
    if (o.profile) {
      const info = await tf.profile(async () => {
        await step();
      });
      const byName = new Map<string, number>();
      for (const k of info.kernels)
        byName.set(k.name, (byName.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
      kernels = [...byName].map(([name, t]) => ({ name, ms: t })).sort((a, b) => b.ms - a.ms);
    }
    return {
      backend: tf.getBackend(),
      imagesPerSecond: (o.batch * 1000) / ms,
      msPerStep: ms,
      timedSteps: timed,
      warmupSeconds,
      loss,
      ...(kernels ? { kernels } : {}),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  }
}
