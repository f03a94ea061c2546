/**
 * Forwards the worker's console.warn and console.error to the page over a BroadcastChannel named `worker-console`, so a
 * test can see tfjs' warnings from the real training worker (its synchronous GPU read warning among them).
 */
const channel = new BroadcastChannel('worker-console');
// The first message says that forwarding is on, so that a test can tell "no warnings" from "nothing forwarded".
channel.postMessage({ ready: true });
for (const level of ['warn', 'error'] as const) {
  const original = console[level];
  console[level] = (...args: unknown[]) => {
    channel.postMessage({ text: `${level}: ${args.map(String).join(' ')}` });
    original.apply(console, args);
  };
}
