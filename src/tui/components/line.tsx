import React from 'react';
import { Text } from 'ink';
import type { Role } from '../theme.js';
import { T } from './theme-context.js';

/** One screen line made of styled segments. Text in segments must already be sanitised. */
export interface Seg { text: string; role?: Role }
export type Line = Seg[];

export const seg = (text: string, role?: Role): Seg => ({ text, role });
export const line = (text: string, role?: Role): Line => [{ text, role }];

/** Renders one line, truncated to the box width so Ink never wraps it onto a second row. */
export function LineView({ l, highlight }: { l: Line; highlight?: Role }): React.JSX.Element {
  if (highlight) {
    return (
      <Text wrap="truncate-end">
        <T role={highlight}>{l.map((s) => s.text).join('') || ' '}</T>
      </Text>
    );
  }
  return (
    <Text wrap="truncate-end">
      {l.length === 0 ? ' ' : l.map((s, i) => <T key={i} role={s.role}>{s.text}</T>)}
    </Text>
  );
}

export function lineText(l: Line): string {
  return l.map((s) => s.text).join('');
}

/** Cuts a line to `width` code points (an ellipsis marks the cut). */
export function fitLine(l: Line, width: number): Line {
  let room = width;
  const out: Line = [];
  for (let i = 0; i < l.length; i++) {
    const chars = Array.from(l[i].text);
    if (chars.length <= room) {
      out.push(l[i]);
      room -= chars.length;
      continue;
    }
    out.push({ text: room > 0 ? chars.slice(0, room - 1).join('') + '…' : '', role: l[i].role });
    break;
  }
  return out;
}

/** The segments of one line as nested Text (no layout node of their own). */
export function LineSegs({ l, highlight }: { l: Line; highlight?: Role }): React.JSX.Element {
  if (highlight) return <T role={highlight}>{l.map((s) => s.text).join('')}</T>;
  return <>{l.map((s, i) => (s.role ? <T key={i} role={s.role}>{s.text}</T> : s.text))}</>;
}
