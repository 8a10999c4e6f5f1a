import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** The `tui` section of the user's config file: theme and key overrides. */
export const TuiConfig = z.object({
  theme: z.string().optional(),
  keys: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
}).strict();
export type TuiConfig = z.infer<typeof TuiConfig>;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWEGYM_CONFIG ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'swegym', 'config.json');
}

export function loadTuiConfig(file = configPath()): TuiConfig {
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const tui = (json as { tui?: unknown } | null)?.tui;
  if (tui === undefined) return {};
  const r = TuiConfig.safeParse(tui);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${file}: field "tui.${issue.path.join('.')}": ${issue.message}`);
  }
  return r.data;
}
