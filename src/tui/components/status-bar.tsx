import React from 'react';
import { Box, Text } from 'ink';
import { T } from './theme-context.js';
import { useBindings } from './keys-context.js';
import { hints, type ScreenId } from '../keys.js';
import { truncate } from '../text.js';

/** One row: where you are, then the main keys of this screen (generated from the key registry). */
export function StatusBar({ where, screen, width }: { where: string; screen: ScreenId; width: number }): React.JSX.Element {
  const bindings = useBindings();
  const hs = hints(bindings, screen);
  const left = ` ${truncate(where, Math.max(10, Math.floor(width / 2)))} `;
  let room = width - Array.from(left).length;
  const parts: Array<{ key: string; label: string }> = [];
  for (const h of hs) {
    const len = h.key.length + h.label.length + 3;
    if (len > room) break;
    parts.push(h);
    room -= len;
  }
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text wrap="truncate-end">
        <T role="statusbar.key">{left}</T>
        {parts.map((p) => (
          <React.Fragment key={p.key + p.label}>
            <T role="statusbar"> </T>
            <T role="statusbar.key">{p.key}</T>
            <T role="statusbar">{` ${p.label} `}</T>
          </React.Fragment>
        ))}
        <T role="statusbar">{' '.repeat(Math.max(0, room))}</T>
      </Text>
    </Box>
  );
}
