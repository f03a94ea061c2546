/** `vite preview` of a production build on a free loopback port, for the CLI's browser mode and the benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Serves `outDir` (COOP/COEP headers come from vite.config.ts); throws when the server does not answer. The caller kills it. */
export async function servePreview(
  repoRoot: string,
  outDir: string,
  opts: { detached?: boolean } = {},
): Promise<{ url: string; server: ChildProcess }> {
  const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [vite, 'preview', '--outDir', outDir, '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    {
      cwd: repoRoot,
      stdio: 'ignore',
      detached: opts.detached ?? false,
    },
  );
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 150; i++) {
    if (server.exitCode !== null) break;
    try {
      if ((await fetch(url)).ok) return { url, server };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  server.kill();
  throw new Error(`vite preview did not answer on ${url}`);
}
