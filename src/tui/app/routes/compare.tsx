import React from 'react';
import { basename } from 'node:path';
import { RunCompare } from '../../screens/run-compare.js';
import { useWorkbench } from '../context.js';
import type { Screen } from '../nav.js';

export function CompareRoute({ screen }: { screen: Extract<Screen, { kind: 'compare' }> }): React.JSX.Element {
  const w = useWorkbench();
  const { sessions, actions, dispatch } = w;
  return (
    <RunCompare
      a={{ name: basename(screen.a), summaries: sessions.open.get(screen.a)?.summaries ?? [] }}
      b={{ name: basename(screen.b), summaries: sessions.open.get(screen.b)?.summaries ?? [] }}
      width={w.width}
      height={w.height}
      active={w.active}
      onOpen={(side, id) => void actions.openRollout(id, side === 'a' ? screen.a : screen.b)}
      onBack={() => dispatch({ type: 'pop' })}
    />
  );
}
