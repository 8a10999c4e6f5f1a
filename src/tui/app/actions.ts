import type { Dispatch } from 'react';
import { join } from 'node:path';
import type { AgentId, Backend, BatchOptions } from '../backend.js';
import type { TaskInfo } from '../panes/lines.js';
import type { RolloutViewModel } from '../state/rollout-view-model.js';
import type { PagerKind } from '../screens/rollout-view.js';
import type { NavAction } from './nav.js';
import type { Sessions } from './use-sessions.js';
import type { Batches } from './use-batches.js';
import type { Rollouts } from './use-rollouts.js';
import { LOG_EVAL_SCRIPT, LOG_INSTANCE, LOG_TEST_OUTPUT } from '../../core/harness/index.js';
import { runPager, tempFile, waitForEnter } from '../pager.js';

/** A pager that returned faster than this did not wait for the user (`PAGER=cat`). */
const PAGER_INSTANT_MS = 300;

export interface Actions {
  say(message?: string): void;
  /** A session a live process runs opens on its batch dashboard; any other on its instance picker. */
  openSessionView(dir: string): Promise<void>;
  openRollout(rolloutId: string, sessionDir?: string, replace?: boolean): Promise<void>;
  startRollout(task: TaskInfo, agent: AgentId): Promise<void>;
  /** Retries an ended rollout of a session and opens the new attempt, live. */
  retryRollout(rolloutId: string, sessionDir: string): Promise<void>;
  startBatch(tasks: TaskInfo[], agent: AgentId, opts?: BatchOptions): Promise<void>;
  /** Resumes a stopped or crashed batch in its own process; its dashboard follows it. */
  resume(dir: string): void;
  requestQuit(): void;
  quit(mode: 'stop' | 'detach'): void;
  pager(kind: PagerKind, vm: RolloutViewModel, events: unknown[], search?: string): Promise<string | undefined>;
}

export interface ActionDeps {
  backend: Backend;
  dispatch: Dispatch<NavAction>;
  sessions: Sessions;
  batches: Batches;
  rollouts: Rollouts;
  exit(): void;
  suspend(run: () => void): Promise<void>;
  onExit?(mode: 'stop' | 'detach'): void;
}

const CONFIRM_QUIT = 'Batch running: s stop it (containers removed) · k keep it running headless · Esc cancel';
const CONFIRM_QUIT_SHORT = 'Batch running: s stop it (containers removed) · k keep it headless · Esc back';
const CONFIRM_QUIT_RUN = 'A run is in progress: s stop it (container removed) · Esc cancel';

/** The workbench's composite actions: each one a few steps over the hooks' state and the navigation reducer. */
export function makeActions(d: ActionDeps): Actions {
  const say = (message?: string) => d.dispatch({ type: 'message', text: message });
  const errText = (e: unknown) => String((e as Error)?.message ?? e);

  const quit = (mode: 'stop' | 'detach') => {
    d.onExit?.(mode);
    d.exit();
  };

  const openRollout = async (rolloutId: string, sessionDir?: string, replace = false) => {
    try {
      await d.rollouts.load(rolloutId, sessionDir);
      d.dispatch({ type: replace ? 'replaceTop' : 'push', screen: { kind: 'rollout', rolloutId, sessionDir } });
    } catch (err) {
      say(`could not open ${rolloutId}: ${errText(err)}`);
    }
  };

  return {
    say,
    quit,
    openRollout,
    openSessionView: (dir) =>
      d.sessions.openSession(dir).then(
        () => {
          // Any batch opens on its dashboard, running or not: the finished table (sortable, filterable) is there.
          const f = d.batches.follow(dir);
          if (f) return d.dispatch({ type: 'push', screen: { kind: 'batch', followDir: dir } });
          d.dispatch({ type: 'push', screen: { kind: 'picker', sessionDir: dir } });
        },
        (e) => say(errText(e)),
      ),
    startRollout: async (task, agent) => {
      try {
        const r = await d.rollouts.start(task, agent);
        d.dispatch({ type: 'replaceTop', screen: { kind: 'rollout', rolloutId: r.rolloutId, sessionDir: r.sessionDir } });
      } catch (err) {
        d.dispatch({ type: 'pop' });
        say(`could not start the rollout: ${errText(err)}`);
      }
    },
    retryRollout: async (rolloutId, sessionDir) => {
      try {
        say(`retrying ${rolloutId}…`);
        const r = await d.rollouts.retry(sessionDir, rolloutId);
        say(`retrying ${rolloutId} as ${r.rolloutId}`);
        d.dispatch({ type: 'push', screen: { kind: 'rollout', rolloutId: r.rolloutId, sessionDir: r.sessionDir } });
      } catch (err) {
        say(`could not retry ${rolloutId}: ${errText(err)}`);
      }
    },
    startBatch: async (tasks, agent, opts) => {
      try {
        const b = await d.batches.start(tasks, agent, opts);
        await d.sessions.openSession(b.sessionDir);
        // The batch replaces the picker it was started from: back from the dashboard is home.
        d.dispatch({ type: 'replaceFrom', drop: 2, screen: { kind: 'batch' } });
      } catch (err) {
        d.dispatch({ type: 'pop' });
        say(`could not start the batch: ${errText(err)}`);
      }
    },
    resume: (dir) => {
      if (!d.backend.resume) return say('resume is not available here: run `swegym resume <session>`');
      try {
        const r = d.backend.resume(dir);
        say(`resuming ${dir.split('/').pop()} in its own process${r.pid ? ` (pid ${r.pid})` : ''}; log ${r.log}`);
        setTimeout(() => void d.sessions.refresh(), 1500).unref?.();
      } catch (e) {
        say(`could not resume: ${errText(e)}`);
      }
    },
    requestQuit: () => {
      if (d.batches.ownRunning) {
        return d.dispatch({ type: 'confirm', confirm: { text: CONFIRM_QUIT, short: CONFIRM_QUIT_SHORT, answers: { s: () => quit('stop'), k: () => quit('detach') } } });
      }
      if (d.rollouts.running().length) return d.dispatch({ type: 'confirm', confirm: { text: CONFIRM_QUIT_RUN, answers: { s: () => quit('stop') } } });
      quit('stop');
    },
    pager: async (kind, vm, events, search) => {
      let file: string | undefined;
      if (kind === 'events') file = tempFile(`${vm.rolloutId}.events.jsonl`, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
      else if (!vm.verdict?.log_dir) return vm.verdict?.status === 'empty_patch' ? 'no verification ran: the patch is empty' : 'no verification logs for this rollout yet';
      else file = join(vm.verdict.log_dir, kind === 'eval' ? LOG_EVAL_SCRIPT : kind === 'testlog' ? LOG_TEST_OUTPUT : LOG_INSTANCE);
      let result: { ok: boolean; error?: string } = { ok: false };
      await d.suspend(() => {
        result = runPager(file!, process.env, { search, after: (ms) => ms < PAGER_INSTANT_MS && waitForEnter() });
      });
      return result.ok ? undefined : result.error;
    },
  };
}
