import React from 'react';
import { RolloutView } from '../../screens/rollout-view.js';
import { useWorkbench } from '../context.js';
import type { Screen } from '../nav.js';
import { patchAtStep } from '../../state/rollout-view-model.js';

export function rolloutWhere(w: { registry: { store(id: string): { get(): { instanceId: string } } } }, screen: Extract<Screen, { kind: 'rollout' }>): string {
  return `rollout ${w.registry.store(screen.rolloutId).get().instanceId || screen.rolloutId}`;
}

export function RolloutRoute({ screen }: { screen: Extract<Screen, { kind: 'rollout' }> }): React.JSX.Element {
  const w = useWorkbench();
  const { registry, rollouts, batches, actions, dispatch, backend } = w;
  const store = registry.store(screen.rolloutId);
  const vm = store.get();
  const task = w.tasks.find((t) => t.instance_id === vm.instanceId);
  const pos = screen.list.indexOf(screen.rolloutId);
  const move = (d: number) => {
    const next = screen.list[pos + d];
    if (next) void actions.openRollout(next, screen.list, rollouts.sessionOf(next), true);
  };
  return (
    <RolloutView
      key={screen.rolloutId}
      store={store}
      task={task}
      width={w.width}
      height={w.height}
      active={w.active}
      position={screen.list.length > 1 ? `${pos + 1}/${screen.list.length}` : undefined}
      onBack={() => dispatch({ type: 'pop' })}
      onPrevInstance={() => move(-1)}
      onNextInstance={() => move(1)}
      onInterrupt={(id) => {
        if (!rollouts.interrupt(id)) batches.kill(id);
      }}
      attachCommand={(v) => backend.attachCommand({ ...v, patch: v.patch || patchAtStep(v, v.steps.length - 1) }, rollouts.sessionOf(v.rolloutId))}
      openPager={actions.pager}
    />
  );
}
