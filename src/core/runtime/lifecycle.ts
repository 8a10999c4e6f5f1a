import { installCleanupHandlers, type CleanupHandlerOptions } from './live-containers.js';
import { SESSION_LABEL, type RuntimeProvider } from './types.js';

/**
 * The one cleanup path of every command that starts sandboxes. Sandboxes are removed by whoever started them (stop,
 * the rollout's own sweep), on exit, signals and crashes by the cleanup handlers, and what a crashed run still left
 * is removed by the leftover sweep at the next start.
 */

/**
 * Remove the leftovers of crashed runs: with a session id, that session's sandboxes whose creating process is gone;
 * without, every swegym sandbox on the engine whose creator (on this host) is gone. Live processes' are never touched.
 */
export function sweepLeftovers(provider: RuntimeProvider, session?: string): Promise<number> {
  return provider.sweep(session ? { [SESSION_LABEL]: session } : {}, { leftovers: true });
}

/** The end of a run: the session's sandboxes that this process still has, and crashed runs' of it. */
export function sweepSession(provider: RuntimeProvider, session: string): Promise<number> {
  return provider.sweep({ [SESSION_LABEL]: session }, { leftovers: true, includeOwn: true });
}

export interface SandboxUseOptions extends CleanupHandlerOptions {
  /** Only this session's leftovers (a batch, a resumed session); default: every crashed run's on the engine. */
  session?: string;
  /** Install the process's cleanup handlers (default true; a batch handles Ctrl-C itself). */
  handlers?: boolean;
}

/**
 * How a command starts using sandboxes: the cleanup handlers installed, then the leftover sweep. An engine that
 * cannot be listed is not fatal here (the work itself will say what is wrong): it comes back as `error`.
 */
export async function beginSandboxUse(provider: RuntimeProvider, o: SandboxUseOptions = {}): Promise<{ swept: number; error?: string }> {
  if (o.handlers ?? true) installCleanupHandlers(o);
  try {
    return { swept: await sweepLeftovers(provider, o.session) };
  } catch (e) {
    return { swept: 0, error: (e as Error).message };
  }
}
