import { spawnSync } from 'node:child_process';
import type Dockerode from 'dockerode';

/**
 * Containers this process created and has not removed yet, so they can be removed on exit, Ctrl-C and crashes.
 */
const live = new Map<string, Dockerode.Container>();

let exitHookInstalled = false;

export function trackLive(container: Dockerode.Container): void {
  live.set(container.id, container);
  if (!exitHookInstalled) {
    // Harmless for embedders: it only acts when the event loop has run dry with containers still live.
    exitHookInstalled = true;
    process.on('beforeExit', () => {
      if (live.size > 0) void removeAllLive();
    });
  }
}

export function untrackLive(id: string): void {
  live.delete(id);
}

export function liveContainerIds(): string[] {
  return [...live.keys()];
}

/** Force-remove every container still live in this process. Returns how many were removed. */
export async function removeAllLive(): Promise<number> {
  const all = [...live.entries()];
  live.clear();
  const results = await Promise.allSettled(all.map(([, c]) => c.remove({ force: true })));
  return results.filter((r) => r.status === 'fulfilled').length;
}

/** Last resort from a synchronous 'exit' handler: the docker CLI, when there is one. */
export function removeLiveContainersSync(): void {
  const ids = [...live.keys()];
  if (ids.length === 0) return;
  live.clear();
  try {
    spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    /* no CLI: the next start's sweep removes them */
  }
}

export interface CleanupHandlerOptions {
  /** Exit the process after cleaning up on SIGINT/SIGTERM (a CLI wants this; a library embedder may not). */
  exitOnSignal?: boolean;
  /** Called with the number of containers removed on a signal or crash. */
  onCleanup?: (removed: number, reason: string) => void;
}

let installed = false;

/**
 * Opt-in process hooks (the CLI calls this): remove live containers on normal exit, SIGINT/SIGTERM and uncaught
 * errors. Installing twice is a no-op.
 */
export function installCleanupHandlers(opts: CleanupHandlerOptions = {}): void {
  if (installed) return;
  installed = true;
  const onSignal = (sig: NodeJS.Signals) => {
    void removeAllLive().then((n) => {
      opts.onCleanup?.(n, sig);
      if (opts.exitOnSignal ?? true) process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', removeLiveContainersSync);
  process.on('uncaughtException', (err) => {
    void removeAllLive().finally(() => {
      console.error(err);
      process.exit(1);
    });
  });
  process.on('unhandledRejection', (err) => {
    void removeAllLive().finally(() => {
      console.error(err);
      process.exit(1);
    });
  });
}
