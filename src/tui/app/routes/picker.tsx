import React from 'react';
import { basename } from 'node:path';
import { Picker } from '../../screens/picker.js';
import { useWorkbench } from '../context.js';
import type { Screen } from '../nav.js';
import { bestOf } from '../../state/compare.js';
import { safe } from '../../text.js';

export function pickerWhere(screen: Extract<Screen, { kind: 'picker' }>): string {
  return screen.sessionDir ? `session ${basename(screen.sessionDir)}` : screen.batch ? 'new batch' : 'new run';
}

export function PickerRoute({ screen }: { screen: Extract<Screen, { kind: 'picker' }> }): React.JSX.Element {
  const w = useWorkbench();
  const { backend, dispatch, sessions, rollouts, actions } = w;
  const s = screen.sessionDir ? sessions.open.get(screen.sessionDir) : undefined;
  const summaries = s ? s.summaries : rollouts.startedSummaries();
  const patch = (p: Partial<Extract<Screen, { kind: 'picker' }>>) => dispatch({ type: 'patchTop', kind: 'picker', patch: p });
  return (
    <Picker
      tasks={w.tasks}
      summaries={summaries}
      title={s ? `session ${safe(basename(screen.sessionDir!))}` : `${backend.datasetName}: ${screen.batch ? 'mark instances for a batch' : 'pick an instance'}`}
      width={w.width}
      height={w.height}
      active={w.active}
      onOpen={(task, { forceNew }) => {
        // Enter opens the instance's best sample ([ and ] then step through the others).
        const best = bestOf(summaries.filter((r) => r.instance_id === task.instance_id && r.status !== 'queued'));
        if (!forceNew && best && !screen.batch) void actions.openRollout(best.rollout_id, screen.sessionDir ?? rollouts.sessionOf(best.rollout_id));
        else dispatch({ type: 'push', screen: { kind: 'agent', task, batch: screen.batch ? [task] : undefined } });
      }}
      onBatch={(chosen) => dispatch({ type: 'push', screen: { kind: 'agent', task: chosen[0], batch: chosen } })}
      onBestOfN={(task) => dispatch({ type: 'push', screen: { kind: 'bestofn', sessionDir: screen.sessionDir, instanceId: task.instance_id } })}
      onBack={() => dispatch({ type: 'pop' })}
      initialQuery={screen.query}
      onQueryChange={(query) => patch({ query })}
      cursor={screen.cursor}
      onCursor={(cursor) => patch({ cursor })}
    />
  );
}
