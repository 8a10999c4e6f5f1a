import React from 'react';
import { Box, Text } from 'ink';
import { useTheme, styleProps } from './theme-context.js';
import { fitLine, LineSegs, type Line } from './line.js';
import type { Role } from '../theme.js';
import { truncate } from '../text.js';

export interface PaneProps {
  title: string;
  width: number;
  height: number;
  focused?: boolean;
  lines: Line[];
  /** First visible line. */
  offset: number;
  /** Line index to highlight (search match or selection). */
  highlightIndex?: number;
  highlightRole?: Role;
  /** Right side of the title bar (e.g. "12/40"). */
  info?: string;
}

/** Content rows of a pane of this height (title row and bottom border excluded). */
export const paneRows = (height: number): number => Math.max(0, height - 2);

/** Clamps an offset so the window stays inside the content. */
export function clampOffset(offset: number, total: number, rows: number): number {
  return Math.max(0, Math.min(offset, Math.max(0, total - rows)));
}

/** A bordered box of exactly `height` rows: a title row drawn as the top border, content rows, the bottom border. */
export const Pane = React.memo(PaneImpl);

function PaneImpl({ title, width, height, focused, lines, offset, highlightIndex, highlightRole, info }: PaneProps): React.JSX.Element {
  const theme = useTheme();
  const rows = paneRows(height);
  const start = clampOffset(offset, lines.length, rows);
  const visible = lines.slice(start, start + rows);
  const borderRole = focused ? theme.roles.focus : theme.roles.border;
  const inner = Math.max(0, width - 2);
  const pos = lines.length > rows ? ` ${start + 1}-${Math.min(lines.length, start + rows)}/${lines.length} ` : '';
  const right = `${info ? ` ${info} ` : ''}${pos}`;
  const labelRoom = Math.max(1, inner - Array.from(right).length - 1);
  const label = truncate(` ${focused ? '▶ ' : ''}${title} `, labelRoom);
  const fill = Math.max(0, inner - Array.from(label).length - Array.from(right).length - 1);
  const top = `╭─${label}${'─'.repeat(fill)}${right}╮`;
  // One Text node for the whole content (no Box per row): lines are cut to the inner width here, so nothing wraps,
  // and the fixed-height box clips whatever a wide glyph might still push over.
  const body: React.ReactNode[] = [];
  for (let i = 0; i < rows; i++) {
    if (i > 0) body.push('\n');
    const l = visible[i];
    if (!l) continue;
    const hl = start + i === highlightIndex;
    body.push(<LineSegs key={i} l={fitLine(l, inner)} highlight={hl ? (highlightRole ?? 'selected') : undefined} />);
  }
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate-end" {...styleProps(borderRole)}>{Array.from(top).slice(0, width).join('')}</Text>
      <Box flexDirection="column" width={width} height={rows + 1} borderStyle="round" borderTop={false} borderColor={borderRole.fg} borderDimColor={false} overflow="hidden">
        <Box height={rows} width={inner} overflow="hidden">
          <Text wrap="truncate-end">{body}</Text>
        </Box>
      </Box>
    </Box>
  );
}
