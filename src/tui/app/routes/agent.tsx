import React from 'react';
import { AgentChooser, agentsForAll } from '../../screens/agent-chooser.js';
import { useWorkbench } from '../context.js';
import type { Screen } from '../nav.js';
import { safe } from '../../text.js';

export function agentWhere(screen: Extract<Screen, { kind: 'agent' }>): string {
  return screen.batch ? `batch of ${screen.batch.length}: choose an agent` : `${safe(screen.task.instance_id)}: choose an agent`;
}

export function AgentRoute({ screen }: { screen: Extract<Screen, { kind: 'agent' }> }): React.JSX.Element {
  const w = useWorkbench();
  const { backend, actions, dispatch } = w;
  const choices = screen.batch ? agentsForAll(backend, screen.batch) : backend.agents(screen.task);
  return (
    <AgentChooser
      task={screen.task}
      batch={screen.batch}
      choices={choices}
      modelHint={backend.modelHint}
      width={w.width}
      height={w.height}
      active={w.active}
      onBack={() => dispatch({ type: 'pop' })}
      onChoose={(agent, opts) => void (screen.batch ? actions.startBatch(screen.batch, agent, opts) : actions.startRollout(screen.task, agent))}
    />
  );
}
