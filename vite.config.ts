import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

// Cross-origin isolation lets the wasm backend use threads where the machine has cores for them.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// Benchmark pages (bench/pages/*.html) are built beside the app so `npm run bench` measures production code.
const benchPages = Object.fromEntries(
  readdirSync(resolve(import.meta.dirname, 'bench/pages'))
    .filter((f) => f.endsWith('.html'))
    .map((f) => [`bench-${f.replace(/\.html$/, '')}`, resolve(import.meta.dirname, 'bench/pages', f)]),
);

export default defineConfig({
  plugins: [react()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { main: resolve(import.meta.dirname, 'index.html'), ...benchPages } },
  },
  optimizeDeps: {
    exclude: ['@tensorflow/tfjs-backend-wasm'],
  },
});
