import React from 'react';
import { Text } from 'ink';
import { basename } from 'node:path';
import { BatchDashboard } from '../../screens/batch.js';
import { useWorkbench, type Workbench } from '../context.js';
import type { Screen } from '../nav.js';

export function batchWhere(w: Workbench, screen: Extract<Screen, { kind: 'batch' }>): string {
  const f = screen.followDir ? w.batches.followed(screen.followDir) : undefined;
  return screen.followDir && f ? `batch ${basename(screen.followDir)} (${f.source() ?? 'another process'})` : 'batch dashboard';
}

export function BatchRoute({ screen }: { screen: Extract<Screen, { kind: 'batch' }> }): React.JSX.Element {
  const w = useWorkbench();
  const { sessions, batches, actions, dispatch } = w;
  const dir = screen.followDir ?? batches.own?.sessionDir;
  const f = screen.followDir ? batches.followed(screen.followDir) : undefined;
  const control = f ?? batches.own?.control;
  if (!dir || !control) return <Text>no batch is running</Text>;
  return (
    <BatchDashboard
      key={dir}
      control={control}
      remote={f}
      finished={sessions.open.get(dir)?.summaries ?? []}
      sessionName={basename(dir)}
      width={w.width}
      height={w.height}
      active={w.active}
      onOpen={(id) => void actions.openRollout(id, dir)}
      onBack={() => dispatch({ type: 'pop' })}
      onInstances={() => void sessions.openSession(dir).then(() => dispatch({ type: 'push', screen: { kind: 'picker', sessionDir: dir } }))}
      onBestOfN={(instanceId) => dispatch({ type: 'push', screen: { kind: 'bestofn', sessionDir: dir, instanceId } })}
      onResume={() => actions.resume(dir)}
      onRetryEnded={(id) => void actions.retryRollout(id, dir)}
    />
  );
}
