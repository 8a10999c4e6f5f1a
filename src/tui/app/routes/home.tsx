import React from 'react';
import { Home } from '../../screens/home.js';
import { useWorkbench } from '../context.js';
import type { Screen } from '../nav.js';

export function HomeRoute({ screen }: { screen: Extract<Screen, { kind: 'home' }> }): React.JSX.Element {
  const w = useWorkbench();
  const { backend, nav, dispatch, sessions, batches, actions } = w;
  return (
    <Home
      sessions={sessions.list}
      datasetName={backend.datasetName}
      modelHint={backend.modelHint}
      modelInfo={backend.modelInfo}
      width={w.width}
      height={w.height}
      active={w.active}
      batchRunning={batches.ownRunning}
      batchEnded={batches.ownEnded}
      marked={nav.marked}
      cursor={screen.cursor}
      onCursor={(cursor) => dispatch({ type: 'patchTop', kind: 'home', patch: { cursor } })}
      onNewRun={() => dispatch({ type: 'push', screen: { kind: 'picker' } })}
      onNewBatch={() => dispatch({ type: 'push', screen: { kind: 'picker', batch: true } })}
      onOpen={(dir) => void actions.openSessionView(dir)}
      onMark={(dir) => dispatch({ type: 'mark', dir })}
      onCompare={(a, b) => void Promise.all([sessions.openSession(a), sessions.openSession(b)]).then(() => dispatch({ type: 'push', screen: { kind: 'compare', a, b } }))}
      onDashboard={() => (batches.own ? dispatch({ type: 'push', screen: { kind: 'batch' } }) : actions.say('no batch was started in this workbench: open a session to see its dashboard'))}
      onSay={actions.say}
      onResume={(dir) => actions.resume(dir)}
      onBack={actions.requestQuit}
    />
  );
}
