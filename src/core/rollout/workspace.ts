import type { TaskRecord } from '../dataset/schema.js';
import type { Runtime } from '../runtime/types.js';
import { shellQuote } from '../agent/tools/pystr.js';

export const REPO_DIR = '/testbed';

/** `/workspace/<repo with / -> __>__<version>`, as OpenHands lays it out for SWE-Gym (e.g. /workspace/getmoto__moto__4.1). */
export function workspaceDirFor(task: Pick<TaskRecord, 'repo' | 'version'>): string {
  return `/workspace/${task.repo.replace(/\//g, '__')}__${task.version}`;
}

/**
 * What OpenHands' initialize_runtime does before the agent starts, minus what the image already did: the workspace
 * symlink to /testbed, a git identity (user `openhands`, as the system prompt says), no pager.
 */
export async function prepareWorkspace(runtime: Runtime, task: TaskRecord, repoDir = REPO_DIR): Promise<string> {
  const ws = workspaceDirFor(task);
  const script = [
    'set -e',
    `mkdir -p /workspace`,
    `if [ ! -e ${shellQuote(ws)} ]; then ln -s ${shellQuote(repoDir)} ${shellQuote(ws)}; fi`,
    `git config --global user.name openhands`,
    `git config --global user.email openhands@all-hands.dev`,
    `git config --global core.pager ""`,
    `git config --global --add safe.directory ${shellQuote(repoDir)}`,
    `test -d ${shellQuote(ws + '/')}`,
  ].join('\n');
  const r = await runtime.exec(`( ${script}\n) 2>&1`, { timeoutSec: 60 });
  if (r.exitCode !== 0) throw new Error(`preparing the workspace failed (exit ${r.exitCode}): ${r.output.trim().slice(0, 500)}`);
  await runtime.exec(`cd ${shellQuote(repoDir)}`, { timeoutSec: 10 });
  return ws;
}
