import type { RolloutEvent } from '../core/events.js';
import type { SessionReader } from '../core/session/index.js';
import type { SchedulerControl } from '../core/scheduler/index.js';
import type { TaskInfo } from './panes/lines.js';
import type { RolloutViewModel } from './state/rollout-view-model.js';

/**
 * Everything the workbench needs from the engine, in one port. The TUI renders; the backend (src/tui/core-backend.ts
 * wires the real session store, scheduler, agents and Docker) does the work. Tests drive the TUI through the same port.
 */

/** A kind from core's agent registry (`agentKinds()`): gold, replay, llm, ... */
export type AgentId = string;

export interface AgentChoice {
  id: AgentId;
  label: string;
  available: boolean;
  /** Why it is unavailable, or what it does. */
  note?: string;
}

/** running: a process runs it now; done; stopped / crashed: resumable; runs: the workbench's single runs. */
export type SessionState = 'running' | 'done' | 'stopped' | 'crashed' | 'runs' | 'unreadable';

export interface SessionListing {
  dir: string;
  name: string;
  /** The state as a word (kept for older callers; equals `state` when that is set). */
  status: string;
  state?: SessionState;
  /** Planned rollouts (instances x samples). */
  rollouts: number;
  done: number;
  running?: number;
  resolved: number;
  costUsd: number;
  createdAt?: number;
  /** A batch in this or another process is still writing to it. */
  live?: boolean;
  /** A batch process ran it (it has live.json): it opens on its dashboard. */
  batch?: boolean;
  agent?: string;
  instances?: number;
  samples?: number;
  /** Why it is not live (crashed: the pid is gone), or why it could not be read. */
  note?: string;
}

export interface LiveRollout {
  rolloutId: string;
  sessionDir: string;
  interrupt(): void;
  done: Promise<unknown>;
}

export interface LiveBatch {
  sessionDir: string;
  control: SchedulerControl;
  done: Promise<unknown>;
}

/**
 * A batch that another process runs (`swegym batch` headless), followed through its session folder: the snapshot
 * comes from its live.json, commands go through control.jsonl and their answers come back as messages.
 */
export interface FollowedBatch extends SchedulerControl {
  readonly dir: string;
  /** A process publishes live.json for this session right now (fresh, pid alive on this host). */
  isLive(): boolean;
  /** The process has finished and said so (its last snapshot is final). */
  hasEnded(): boolean;
  /** Why the control keys do nothing now (no live process, control disabled), or undefined when they work. */
  readOnlyReason(): string | undefined;
  /** "pid 123 on host" while a process is known. */
  source(): string | undefined;
  /** Answers to the commands sent (ok or refused), timeouts, read-only notices. */
  onMessage(cb: (text: string, ok: boolean) => void): () => void;
  close(): void;
}

/** What a batch started from the workbench runs with: the options of `swegym batch` (see BatchPlan in core). */
export interface BatchOptions {
  samples?: number;
  concurrency?: number;
  temperatures?: number[];
  budgetUsd?: number;
  seed?: number;
}

export interface Backend {
  readonly datasetName: string;
  /** How to point the workbench at a model, or undefined when one is configured. */
  readonly modelHint?: string;
  /** The configured model and endpoint ("gpt-4o-mini at http://127.0.0.1:8000/v1"), shown on Home. */
  readonly modelInfo?: string;
  /** Calls `onChange` when the sessions folder changes (a session created, a batch started or finished elsewhere). */
  watchSessions?(onChange: () => void): () => void;
  tasks(): Promise<TaskInfo[]>;
  agents(task?: TaskInfo): AgentChoice[];
  listSessions(): Promise<SessionListing[]>;
  openSession(dir: string): Promise<SessionReader>;
  /** Starts one rollout (in the workbench's run session, created on first use); every event is passed to onEvent. */
  startRollout(task: TaskInfo, agent: AgentId, onEvent: (e: RolloutEvent) => void): Promise<LiveRollout>;
  startBatch?(tasks: TaskInfo[], agent: AgentId, onEvent: (e: RolloutEvent) => void, opts?: BatchOptions): Promise<LiveBatch>;
  /** Runs an ended rollout again: a fresh attempt of its (instance, sample) in its session (the dashboard's `r`). */
  retryRollout?(sessionDir: string, rolloutId: string, onEvent: (e: RolloutEvent) => void): Promise<LiveRollout>;
  /** The batch another process runs in this session, or undefined when no process ever published one there. */
  followBatch?(sessionDir: string): FollowedBatch | undefined;
  /** The command that opens a shell in the rollout's container (live) or in a fresh environment with its patch. */
  attachCommand(vm: RolloutViewModel, sessionDir?: string): string;
  /** Saves a rollout's patch as a file (in its session's patches/ folder) and returns the path. */
  savePatch?(rolloutId: string, patch: string, sessionDir?: string): string;
  /** Continues a stopped or crashed batch (`swegym resume` in its own process, which the workbench then follows). */
  resume?(sessionDir: string): { pid?: number; log: string };
  /** Persists the winner of a best-of-n comparison. */
  markWinner?(sessionDir: string, instanceId: string, rolloutId: string): Promise<void>;
  /** The winners marked so far in a session: instance id -> rollout id (the latest mark wins). */
  winners?(sessionDir: string): Promise<Map<string, string>>;
  /** Stops every running rollout and batch and removes their containers. */
  shutdown(mode: 'stop' | 'detach'): Promise<void>;
}
