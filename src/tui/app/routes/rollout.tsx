import React from 'react';
import { RolloutView } from '../../screens/rollout-view.js';
import { useWorkbench } from '../context.js';
import type { Screen } from '../nav.js';
import { patchAtStep } from '../../state/rollout-view-model.js';
import { bestOf, byInstance } from '../../state/compare.js';
import { naturalCompare } from '../../text.js';

export function rolloutWhere(w: { registry: { store(id: string): { get(): { instanceId: string } } } }, screen: Extract<Screen, { kind: 'rollout' }>): string {
  return `rollout ${w.registry.store(screen.rolloutId).get().instanceId || screen.rolloutId}`;
}

/**
 * A rollout with its neighbours: H/L move to the previous / next instance of its session (that instance's best
 * sample), [ / ] to the previous / next sample of the same instance, B to best-of-n of the instance. The same keys mean
 * the same thing however the rollout was opened (picker, dashboard, best-of-n, run compare).
 */
export function RolloutRoute({ screen }: { screen: Extract<Screen, { kind: 'rollout' }> }): React.JSX.Element {
  const w = useWorkbench();
  const { registry, rollouts, sessions, batches, actions, dispatch, backend } = w;
  const store = registry.store(screen.rolloutId);
  const vm = store.get();
  const task = w.tasks.find((t) => t.instance_id === vm.instanceId);
  const dir = screen.sessionDir ?? rollouts.sessionOf(screen.rolloutId);
  const summaries = (dir ? sessions.open.get(dir)?.summaries : undefined) ?? rollouts.startedSummaries();
  const bi = byInstance(summaries.filter((r) => r.status !== 'queued'));
  const instance = vm.instanceId || summaries.find((r) => r.rollout_id === screen.rolloutId)?.instance_id || '';
  const instances = [...bi.keys()].sort(naturalCompare);
  const samples = [...(bi.get(instance) ?? [])].sort((a, b) => a.sample - b.sample || a.rollout_id.localeCompare(b.rollout_id));
  const ii = instances.indexOf(instance);
  const si = samples.findIndex((r) => r.rollout_id === screen.rolloutId);
  const go = (id: string | undefined) => id && id !== screen.rolloutId && void actions.openRollout(id, dir, true);
  const toInstance = (d: number) => {
    const next = instances[ii + d];
    return next === undefined ? undefined : () => go(bestOf(bi.get(next))?.rollout_id);
  };
  const toSample = (d: number) => (samples.length > 1 && si >= 0 ? () => go(samples[(si + d + samples.length) % samples.length]?.rollout_id) : undefined);
  return (
    <RolloutView
      key={screen.rolloutId}
      store={store}
      task={task}
      width={w.width}
      height={w.height}
      active={w.active}
      position={{ instance: instances.length > 1 && ii >= 0 ? `${ii + 1}/${instances.length}` : undefined, sample: samples.length > 1 && si >= 0 ? `${si + 1}/${samples.length}` : undefined }}
      onBack={() => dispatch({ type: 'pop' })}
      onPrevInstance={toInstance(-1)}
      onNextInstance={toInstance(1)}
      onPrevSample={toSample(-1)}
      onNextSample={toSample(1)}
      onBestOfN={instance ? () => dispatch({ type: 'push', screen: { kind: 'bestofn', sessionDir: dir, instanceId: instance } }) : undefined}
      onInterrupt={(id) => {
        if (!rollouts.interrupt(id)) batches.kill(id);
      }}
      attachCommand={(v) => backend.attachCommand({ ...v, patch: v.patch || patchAtStep(v, v.steps.length - 1) }, dir)}
      savePatch={(v, p) => backend.savePatch?.(v.rolloutId, p, dir)}
      openPager={actions.pager}
    />
  );
}
