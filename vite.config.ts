import { defineConfig, type Plugin } from 'vite';
import { compileSimdKernels } from './scripts/wat.ts';
import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// Cross-origin isolation lets the wasm backend use threads where the machine has cores for them.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The HTML pages of a folder as Rollup inputs, named `prefix-file`. */
const pagesIn = (dir: string, prefix: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(resolve(import.meta.dirname, dir))
      .filter((f) => f.endsWith('.html'))
      .map((f) => [`${prefix}-${f.replace(/\.html$/, '')}`, resolve(import.meta.dirname, dir, f)]),
  );

// Benchmark pages (bench/pages/*.html) and test pages (tests/pages/*.html) are built beside the app so that
// `npm run bench` and the browser tests run production code.
const extraPages = { ...pagesIn('bench/pages', 'bench'), ...pagesIn('tests/pages', 'test') };

/** `import kernels from './simd.wat'`: compiled with wabt at build time, the binaries inlined in the importing chunk. */
function wat(): Plugin {
  return {
    name: 'evolab-wat',
    async load(id) {
      if (!id.endsWith('.wat')) return null;
      this.addWatchFile(id);
      const { plain, shared } = await compileSimdKernels(readFileSync(id, 'utf8'));
      const bytes = (b: Uint8Array): string =>
        `Uint8Array.from(atob(${JSON.stringify(Buffer.from(b).toString('base64'))}), (c) => c.charCodeAt(0))`;
      return `export default { plain: ${bytes(plain)}, shared: ${bytes(shared)} };`;
    },
  };
}

export default defineConfig({
  plugins: [react(), wat()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [wat()] },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { main: resolve(import.meta.dirname, 'index.html'), ...extraPages } },
  },
  optimizeDeps: {
    exclude: ['@tensorflow/tfjs-backend-wasm'],
  },
});
