import { defineConfig } from 'vitest/config';

// Runs the wasm kernel benchmark: npx vitest run -c bench/wasm-kernels.config.ts
export default defineConfig({
  test: {
    include: ['bench/wasm-kernels.ts'],
    environment: 'node',
    testTimeout: 900_000,
    pool: 'forks',
  },
});
