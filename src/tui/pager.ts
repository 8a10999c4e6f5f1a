import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sanitize } from '../core/util/sanitize.js';

/** Writes text to a temporary file and returns its path (for $PAGER). */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-tui-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/**
 * Runs $PAGER (default `less`) in the foreground on a sanitised copy of the file: logs and events hold untrusted
 * container and model output, and a pager such as `less -R` or `cat` would pass their escape sequences to the
 * terminal. The caller suspends Ink around it.
 */
export function runPager(file: string, env: NodeJS.ProcessEnv = process.env): { ok: boolean; error?: string } {
  if (!existsSync(file)) return { ok: false, error: `${file} does not exist` };
  const safe = tempFile(basename(file), sanitize(readFileSync(file, 'utf8')));
  const pager = env.PAGER || 'less';
  const [cmd, ...args] = pager.split(/\s+/);
  const r = spawnSync(cmd!, [...args, safe], { stdio: 'inherit' });
  if (r.error) return { ok: false, error: `${pager}: ${r.error.message}` };
  return { ok: true };
}
