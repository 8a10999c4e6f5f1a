import React, { createContext, useContext } from 'react';
import { Text } from 'ink';
import type { Role, Theme, Style } from '../theme.js';
import { loadTheme } from '../theme.js';

export const ThemeContext = createContext<Theme>(loadTheme({ name: 'dark' }));
export const useTheme = (): Theme => useContext(ThemeContext);

export function styleProps(s: Style | undefined): Record<string, unknown> {
  if (!s) return {};
  return { color: s.fg, backgroundColor: s.bg, bold: s.bold, dimColor: s.dim, italic: s.italic, underline: s.underline, inverse: s.inverse };
}

/** Text in a semantic role. */
export function T({ role, children }: { role?: Role; children?: React.ReactNode }): React.JSX.Element {
  const theme = useTheme();
  return <Text {...styleProps(role ? theme.roles[role] : undefined)}>{children}</Text>;
}
