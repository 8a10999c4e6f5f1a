import { useEffect, useRef, useState } from 'react';
import type { AgentId, Backend, BatchOptions, FollowedBatch, LiveBatch } from '../backend.js';
import type { TaskInfo } from '../panes/lines.js';
import type { RolloutRegistry } from '../state/rollout-store.js';

export interface Batches {
  /** The batch this workbench started (running or finished), if any. */
  own?: LiveBatch;
  ownRunning: boolean;
  ownEnded: boolean;
  start(tasks: TaskInfo[], agent: AgentId, opts?: BatchOptions): Promise<LiveBatch>;
  /** The batch another process runs in that session (its live.json polled while a dashboard shows it). */
  follow(dir: string): FollowedBatch | undefined;
  followed(dir: string): FollowedBatch | undefined;
  /** Asks whichever process runs this rollout to kill it; false when no running batch knows it. */
  kill(rolloutId: string): boolean;
}

/** The batch lifecycle: the one started here, and the batches of other processes this workbench follows. */
export function useBatches(backend: Backend, registry: RolloutRegistry, onEnded: () => void): Batches {
  const [own, setOwn] = useState<LiveBatch>();
  const [ended, setEnded] = useState<Set<LiveBatch>>(new Set());
  const followedRef = useRef(new Map<string, FollowedBatch>());
  useEffect(() => () => [...followedRef.current.values()].forEach((f) => f.close()), []);
  const ownRunning = !!own && !ended.has(own);

  const follow = (dir: string): FollowedBatch | undefined => {
    let f = followedRef.current.get(dir);
    if (!f) {
      f = backend.followBatch?.(dir);
      if (f) followedRef.current.set(dir, f);
    }
    return f;
  };

  const start = async (tasks: TaskInfo[], agent: AgentId, opts?: BatchOptions): Promise<LiveBatch> => {
    if (!backend.startBatch) throw new Error('batches are not available in this build');
    const b = await backend.startBatch(tasks, agent, registry.push, opts);
    setOwn(b);
    // The finished batch's dashboard stays open (final figures, the finished table); only quitting stops asking.
    void b.done.finally(() => {
      setEnded((e) => new Set(e).add(b));
      onEnded();
    });
    return b;
  };

  const kill = (rolloutId: string): boolean => {
    if (own && ownRunning && own.control.snapshot().active.some((a) => a.rollout_id === rolloutId)) {
      own.control.kill(rolloutId);
      return true;
    }
    // A rollout of a batch another process runs: ask that process.
    for (const f of followedRef.current.values()) {
      if (f.snapshot().active.some((a) => a.rollout_id === rolloutId)) {
        f.kill(rolloutId);
        return true;
      }
    }
    return false;
  };

  return { own, ownRunning, ownEnded: !!own && !ownRunning, start, follow, followed: (dir) => followedRef.current.get(dir), kill };
}
