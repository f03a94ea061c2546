import { defineConfig } from '@playwright/test';
import { findChromium } from './scripts/ensure-chromium.mjs';

/** The Chromium the tests drive (specs that launch with extra flags need it too). */
export const executablePath = findChromium();
// Separate ports and build folders let several checkouts or engineers run the browser tests side by side.
const port = Number(process.env.EVOLAB_PORT ?? 4173);
const dist = process.env.EVOLAB_DIST ?? 'dist';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

// The new headless mode; quiet networking so the closed network does not slow Chromium down.
/** The flags every test browser gets; a spec that needs more (a fake camera) adds to them. */
export const baseArgs = [
  '--headless=new',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  ...(isRoot ? ['--no-sandbox'] : []),
];
/** Flags that give headless Chromium a software WebGPU adapter (SwiftShader). */
export const webgpuArgs = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];
/** Flags that give headless Chromium WebGL through ANGLE on SwiftShader. */
export const webglArgs = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: process.env.EVOLAB_DIST ? `test-results/${process.env.EVOLAB_DIST}` : 'test-results',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath, ignoreDefaultArgs: ['--headless'], args: baseArgs },
  },
  projects: [
    { name: 'chromium', testIgnore: /(webgpu|webgl).*\.spec\.ts/ },
    {
      name: 'chromium-webgpu',
      testMatch: /webgpu.*\.spec\.ts/,
      use: { launchOptions: { executablePath, ignoreDefaultArgs: ['--headless'], args: [...baseArgs, ...webgpuArgs] } },
    },
    {
      name: 'chromium-webgl',
      testMatch: /webgl.*\.spec\.ts/,
      use: { launchOptions: { executablePath, ignoreDefaultArgs: ['--headless'], args: [...baseArgs, ...webglArgs] } },
    },
  ],
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort --outDir ${dist}`,
    url: `http://127.0.0.1:${port}`,
    // Reusing a server could test a stale build: only on request.
    reuseExistingServer: process.env.EVOLAB_REUSE_SERVER === '1',
    timeout: 60_000,
  },
});
