import React from 'react';
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { T } from '../components/theme-context.js';
import { Item } from './home.js';
import type { AgentChoice, AgentId, Backend, BatchOptions } from '../backend.js';
import { useBoundInput } from '../components/keys-context.js';
import { BatchOptionsForm } from './batch-options.js';
import type { TaskInfo } from '../panes/lines.js';
import { safe } from '../text.js';

/** An agent can run a batch only if it can run every instance of it (replay needs a recording of each). */
export function agentsForAll(backend: Pick<Backend, 'agents'>, tasks: TaskInfo[]): AgentChoice[] {
  const per = tasks.map((t) => backend.agents(t));
  return per[0].map((c) => {
    const missing = per.filter((cs) => !cs.find((x) => x.id === c.id)?.available).length;
    if (!missing || !c.available) return c;
    return { ...c, available: false, note: `${c.note ?? ''} for ${tasks.length - missing} of the ${tasks.length} instances`.trim() };
  });
}

export interface AgentChooserProps {
  task: TaskInfo;
  /** Set when the choice starts a batch over these instances. */
  batch?: TaskInfo[];
  choices: AgentChoice[];
  modelHint?: string;
  width: number;
  height: number;
  active: boolean;
  onChoose(agent: AgentId, opts?: BatchOptions): void;
  onBack?(): void;
}

/** Which agent runs the instance (or the batch): the available ones to pick, the others with why they are not. */
export function AgentChooser(props: AgentChooserProps): React.JSX.Element {
  const { choices } = props;
  /** A batch: the agent first, then the batch's options. */
  const [agent, setAgent] = React.useState<AgentId>();
  useBoundInput('agent', (action) => action === 'global.back' && props.onBack?.(), props.active && !agent);
  if (props.batch && agent) {
    return (
      <Box flexDirection="column" width={props.width} height={props.height}>
        <BatchOptionsForm instances={props.batch.length} agent={agent} width={props.width} active={props.active} onStart={(opts) => props.onChoose(agent, opts)} onBack={() => setAgent(undefined)} />
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text wrap="truncate-end"><T role="header">{props.batch ? `Run ${props.batch.length} instance(s) with` : `Run ${safe(props.task.instance_id)} with`}</T></Text>
      <SelectInput
        items={choices.filter((c) => c.available).map((c) => ({ key: c.id, label: `${c.label}${c.note ? ` — ${c.note}` : ''}`, value: c.id }))}
        isFocused={props.active}
        itemComponent={Item}
        onSelect={(item) => (props.batch ? setAgent(item.value) : props.onChoose(item.value))}
      />
      {choices.filter((c) => !c.available).map((c) => (
        <Text key={c.id} wrap="truncate-end"><T role="muted">{`  ${c.label}: ${c.note ?? 'unavailable'}`}</T></Text>
      ))}
      {props.modelHint?.split('\n').map((l, i) => <Text key={i} wrap="truncate-end"><T role="warn">{l}</T></Text>)}
    </Box>
  );
}
