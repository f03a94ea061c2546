/**
 * Watches a GPU backend for work done on the CPU. tfjs 4.22 has no silent per-kernel fallback (an unregistered kernel
 * throws), but a kernel may still compute on the CPU: by reading its GPU input back synchronously (a stall of the whole
 * queue, which tfjs warns about once per backend) or by "CPU forwarding" of small inputs that were never uploaded.
 */
import * as tf from '@tensorflow/tfjs';

/** What ran on the CPU while the watch was on. */
export interface CpuWork {
  /** Kernels executed on the GPU backend, by name, with counts. */
  readonly kernels: Readonly<Record<string, number>>;
  /** Synchronous reads of GPU-resident data, by the kernel that made them (`(no kernel)` when outside any kernel). */
  readonly gpuReads: readonly string[];
  /** Kernels that computed on the CPU because all their inputs were small and still on the CPU, with counts. */
  readonly forwarded: Readonly<Record<string, number>>;
  /** console.warn and console.error messages. */
  readonly warnings: readonly string[];
}

interface TensorRecord {
  values?: unknown;
}

/** The parts of WebGPUBackend and MathBackendWebGL that show where a tensor's data lives. */
interface GpuBackendInternals {
  readSync(dataId: object): unknown;
  shouldExecuteOnCPU?(inputs: tf.TensorInfo[], sizeThreshold?: number): boolean;
  tensorMap?: { get(dataId: object): TensorRecord | undefined };
  texData?: { get(dataId: object): TensorRecord | undefined };
}

/** Starts watching `backendName` (which must be initialised); `report()` reads what was seen, `stop()` undoes the hooks. */
export function watchCpuWork(backendName: string): { report(): CpuWork; stop(): void } {
  const backend = tf.findBackend(backendName) as unknown as GpuBackendInternals | null;
  if (!backend) throw new Error(`backend ${backendName} is not initialised`);
  const kernels: Record<string, number> = {};
  const forwarded: Record<string, number> = {};
  const gpuReads: string[] = [];
  const warnings: string[] = [];
  const running: string[] = [];
  const current = (): string => running[running.length - 1] ?? '(no kernel)';

  const restoreKernels = tf.getKernelsForBackend(backendName).map((config) => {
    const original = config.kernelFunc;
    config.kernelFunc = (args) => {
      running.push(config.kernelName);
      kernels[config.kernelName] = (kernels[config.kernelName] ?? 0) + 1;
      try {
        return original(args);
      } finally {
        running.pop();
      }
    };
    return () => (config.kernelFunc = original);
  });

  const records = backend.tensorMap ?? backend.texData;
  const readSync = backend.readSync;
  backend.readSync = function (this: GpuBackendInternals, dataId: object): unknown {
    const record = records?.get(dataId);
    if (record?.values == null) gpuReads.push(current());
    return readSync.call(this, dataId);
  };
  const shouldExecuteOnCPU = backend.shouldExecuteOnCPU;
  if (shouldExecuteOnCPU) {
    backend.shouldExecuteOnCPU = function (this: GpuBackendInternals, inputs, sizeThreshold) {
      const onCpu = shouldExecuteOnCPU.call(this, inputs, sizeThreshold);
      if (onCpu) forwarded[current()] = (forwarded[current()] ?? 0) + 1;
      return onCpu;
    };
  }
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn.apply(console, args);
  };
  console.error = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    error.apply(console, args);
  };

  return {
    report: () => ({
      kernels: { ...kernels },
      gpuReads: [...gpuReads],
      forwarded: { ...forwarded },
      warnings: [...warnings],
    }),
    stop: () => {
      for (const restore of restoreKernels) restore();
      backend.readSync = readSync;
      if (shouldExecuteOnCPU) backend.shouldExecuteOnCPU = shouldExecuteOnCPU;
      console.warn = warn;
      console.error = error;
    },
  };
}
