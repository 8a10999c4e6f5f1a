import type { TaskRecord } from '../dataset/schema.js';
import type { Runtime, RuntimeProvider } from '../runtime/types.js';
import { stripHistory } from '../runtime/strip-history.js';
import { shellQuote } from '../util/shell-quote.js';

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

/** An environment an agent (or a gym client) can work in: container up, history stripped, workspace prepared. */
export interface ReadyEnvironment {
  runtime: Runtime;
  workspaceDir: string;
  repoDir: string;
}

/**
 * The one way an environment comes up, for agent rollouts and gym episodes alike (so an episode sees exactly what an
 * agent sees): a container from the instance image at /testbed, future history stripped from a pulled image, the
 * workspace prepared. The container is removed when any of it fails.
 */
export async function startEnvironment(
  provider: RuntimeProvider,
  task: TaskRecord,
  image: { image: string; source?: 'local' | 'pulled' | 'built' },
  opts: { labels?: Record<string, string>; memoryBytes?: number } = {},
): Promise<ReadyEnvironment> {
  const runtime = await provider.start({
    image: image.image,
    workdir: REPO_DIR,
    ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
    labels: { 'io.swegym.instance': task.instance_id, ...(opts.labels ?? {}) },
  });
  try {
    if (image.source === 'pulled') await stripHistory(runtime, task.base_commit, REPO_DIR);
    const workspaceDir = await prepareWorkspace(runtime, task, REPO_DIR);
    return { runtime, workspaceDir, repoDir: REPO_DIR };
  } catch (e) {
    await runtime.stop().catch(() => undefined);
    throw e;
  }
}
