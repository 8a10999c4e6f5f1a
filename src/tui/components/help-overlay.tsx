import React from 'react';
import { Box, Text } from 'ink';
import { T } from './theme-context.js';
import { useBindings } from './keys-context.js';
import { helpRows, type ScreenId } from '../keys.js';
import { padEnd } from '../text.js';
import { Pane } from './pane.js';
import { seg, type Line } from './line.js';

/** The keys of the current screen and the global ones, generated from the registry (with user overrides). */
export function HelpOverlay({ screen, width, height, offset = 0 }: { screen: ScreenId; width: number; height: number; offset?: number }): React.JSX.Element {
  const bindings = useBindings();
  const rows = helpRows(bindings, screen);
  const kw = Math.min(18, Math.max(...rows.map((r) => r.keys.length)) + 2);
  const lines: Line[] = rows.map((r) => [seg(padEnd(r.keys, kw), 'title'), seg(r.description), seg(r.screen === 'global' ? '  (everywhere)' : '', 'muted')]);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Pane title={`keys · ${screen}  (? or Esc to close${lines.length > height - 2 ? ', j/k scroll' : ''})`} width={width} height={height} focused lines={lines} offset={offset} />
    </Box>
  );
}

export function ProgressBar({ done, total, width }: { done: number; total: number; width: number }): React.JSX.Element {
  const w = Math.max(5, width);
  const n = total > 0 ? Math.round((done / total) * w) : 0;
  return (
    <Text>
      <T role="progress.done">{'█'.repeat(n)}</T>
      <T role="progress.todo">{'░'.repeat(w - n)}</T>
    </Text>
  );
}
