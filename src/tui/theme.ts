import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { z } from 'zod';

/** Semantic roles: components ask for a role, never for a color. */
export const ROLES = [
  'text', 'muted', 'title', 'border', 'focus', 'selected', 'header', 'statusbar', 'statusbar.key', 'search.match',
  'verdict.resolved', 'verdict.unresolved', 'verdict.error', 'verdict.pending',
  'diff.add', 'diff.del', 'diff.hunk', 'diff.file', 'diff.lineno',
  'score.high', 'score.mid', 'score.low',
  'status.running', 'status.ok', 'status.error', 'status.stalled', 'warn', 'progress.done', 'progress.todo',
] as const;
export type Role = (typeof ROLES)[number];

const Style = z.object({
  fg: z.string().optional(),
  bg: z.string().optional(),
  bold: z.boolean().optional(),
  dim: z.boolean().optional(),
  italic: z.boolean().optional(),
  underline: z.boolean().optional(),
  inverse: z.boolean().optional(),
}).strict();
export type Style = z.infer<typeof Style>;

const ThemeFile = z.object({
  name: z.string(),
  description: z.string().optional(),
  roles: z.record(z.string(), Style),
});

export interface Theme {
  name: string;
  roles: Record<Role, Style>;
}

export const THEMES_DIR = fileURLToPath(new URL('../../themes/', import.meta.url));

export function themeNames(): string[] {
  return ['dark', 'light', 'high-contrast', 'no-color'];
}

/** Parses a theme file; unknown roles and bad fields are errors naming the file and field. */
export function parseTheme(text: string, file: string): Theme {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const r = ThemeFile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${file}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  const roles = {} as Record<Role, Style>;
  for (const key of Object.keys(r.data.roles)) {
    if (!(ROLES as readonly string[]).includes(key)) throw new Error(`${file}: field "roles.${key}": unknown role (known: ${ROLES.join(', ')})`);
  }
  for (const role of ROLES) roles[role] = r.data.roles[role] ?? {};
  return { name: r.data.name, roles };
}

/** Without color: every fg/bg dropped, attributes (bold, inverse) kept so meaning survives. */
export function withoutColor(t: Theme): Theme {
  const roles = {} as Record<Role, Style>;
  for (const role of ROLES) {
    const { fg: _fg, bg: _bg, ...rest } = t.roles[role];
    roles[role] = rest;
  }
  return { name: `${t.name} (no color)`, roles };
}

export interface ThemeChoice {
  /** A name from themes/ or a path to a JSON file. */
  name?: string;
  /** NO_COLOR set, or output not a TTY. */
  noColor?: boolean;
}

export function loadTheme(choice: ThemeChoice = {}): Theme {
  const name = choice.name ?? 'dark';
  const file = name.endsWith('.json') ? name : join(THEMES_DIR, `${name}.json`);
  if (!existsSync(file)) throw new Error(`theme "${name}" not found (looked for ${file}; built in: ${themeNames().join(', ')})`);
  const theme = parseTheme(readFileSync(file, 'utf8'), file);
  return choice.noColor ? withoutColor(theme) : theme;
}

/** NO_COLOR (any non-empty value, per no-color.org) or a stdout that is not a terminal. */
export function colorDisabled(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  return (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || !isTTY;
}

export function scoreRole(score: number): Role {
  return score >= 0.7 ? 'score.high' : score >= 0.4 ? 'score.mid' : 'score.low';
}

export function verdictRole(status: string | undefined): Role {
  if (!status) return 'verdict.pending';
  if (status === 'resolved') return 'verdict.resolved';
  if (status === 'unresolved' || status === 'empty_patch') return 'verdict.unresolved';
  return 'verdict.error';
}
