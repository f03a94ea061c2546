/** Web Locks that keep two tabs of the lab from driving the same run: the tab that drives a run holds its lock. */

/**
 * Takes the lock `name` if no one holds it: resolves to a release function, or null when another tab (or worker)
 * holds it. The lock is also released when the holder's tab or worker goes away, which is how a crash is detected.
 */
export function takeLock(name: string): Promise<(() => void) | null> {
  const locks = lockManager();
  // Without Web Locks (Node, old browsers) there is no way to see other tabs; the run is still driven here.
  if (!locks) return Promise.resolve(() => undefined);
  return new Promise((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}

/** Names of the locks held right now by any tab of this origin. */
export async function heldLocks(): Promise<Set<string>> {
  const locks = lockManager();
  if (!locks) return new Set();
  const snapshot = await locks.query();
  return new Set((snapshot.held ?? []).map((l) => l.name).filter((n): n is string => typeof n === 'string'));
}

/** The origin's lock manager, or null where there is none. */
function lockManager(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}
