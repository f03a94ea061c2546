/**
 * Compiles src/ml/kernels/simd.wat with wabt (a build-time tool: the app ships the binaries, never the compiler).
 * Used by the Vite build (vite.config.ts) and by Node hosts (cli/wasm.ts), which have no build step.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import wabtInit from 'wabt';
import type { SimdKernelBinaries } from '../src/ml/kernels/simd';

/** The kernels' source in this checkout. */
export const SIMD_WAT = path.resolve(import.meta.dirname, '../src/ml/kernels/simd.wat');

const PLAIN_MEMORY = '(import "env" "memory" (memory 1))';
// tfjs's threaded build declares its shared memory with the 4 GiB maximum; an import must not allow more than it has.
const SHARED_MEMORY = '(import "env" "memory" (memory 1 65536 shared))';

/** Both variants of the kernels: importing tfjs's plain memory, and its shared memory (threaded build). */
export async function compileSimdKernels(source = readFileSync(SIMD_WAT, 'utf8')): Promise<SimdKernelBinaries> {
  if (!source.includes(PLAIN_MEMORY)) throw new Error(`${SIMD_WAT}: expected the line ${PLAIN_MEMORY}`);
  const wabt = await wabtInit();
  const compile = (text: string): Uint8Array<ArrayBuffer> => {
    const module = wabt.parseWat('simd.wat', text, { simd: true, threads: true });
    try {
      module.resolveNames();
      const binary = new Uint8Array(module.toBinary({}).buffer);
      // wabt's own validator ignores the features given to the parser (it rejects shared memory): V8 validates.
      new WebAssembly.Module(binary);
      return binary;
    } finally {
      module.destroy();
    }
  };
  return { plain: compile(source), shared: compile(source.replace(PLAIN_MEMORY, SHARED_MEMORY)) };
}
