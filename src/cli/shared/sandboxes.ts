import { beginSandboxUse, type RuntimeProvider } from '../../core/runtime/index.js';
import { sanitize } from '../../core/util/index.js';

/**
 * A one-shot command's start on its engine (run, verify, validate): cleanup handlers, then the sweep of crashed runs'
 * leftovers, said in one line. With `exitOnSignal`, Ctrl-C removes the containers and exits saying how many.
 */
export async function claimSandboxes(
  provider: RuntimeProvider,
  command: string,
  err: (text: string) => void,
  o: { exitOnSignal: boolean },
): Promise<number> {
  const r = await beginSandboxUse(provider, {
    exitOnSignal: o.exitOnSignal,
    ...(o.exitOnSignal ? { onCleanup: (n: number, why: string) => err(`\nswegym ${command}: ${why}: removed ${n} container(s)\n`) } : {}),
  });
  if (r.error) err(`swegym ${command}: could not sweep leftover containers: ${sanitize(r.error)}\n`);
  else if (r.swept > 0) err(`swegym ${command}: removed ${r.swept} leftover container${r.swept === 1 ? '' : 's'} of a crashed run\n`);
  return r.swept;
}
