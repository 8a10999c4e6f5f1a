import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes text to a temporary file and returns its path (for $PAGER). */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-tui-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Runs $PAGER (default `less`, which shows escape sequences of untrusted logs as text) in the foreground; the caller suspends Ink around it. */
export function runPager(file: string, env: NodeJS.ProcessEnv = process.env): { ok: boolean; error?: string } {
  if (!existsSync(file)) return { ok: false, error: `${file} does not exist` };
  const pager = env.PAGER || 'less';
  const [cmd, ...args] = pager.split(/\s+/);
  const r = spawnSync(cmd, [...args, file], { stdio: 'inherit' });
  if (r.error) return { ok: false, error: `${pager}: ${r.error.message}` };
  return { ok: true };
}
