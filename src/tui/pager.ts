import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sanitize } from '../core/util/index.js';

/** Writes text to a temporary file and returns its path (for $PAGER). */
export function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'swegym-tui-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export interface PagerOptions {
  /** Open at the first line containing this text (less: `+/pattern`; other pagers start at the top). */
  search?: string;
  /** Called after the pager exits (the workbench waits for a key there when the pager returned at once). */
  after?(elapsedMs: number): void;
}

/** A literal string as a `less` search pattern (less searches by regular expression). */
export function lessPattern(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, (c) => `\\${c}`);
}

/**
 * Runs $PAGER (default `less`) in the foreground on a sanitised copy of the file: logs and events hold untrusted
 * container and model output, and a pager such as `less -R` or `cat` would pass their escape sequences to the
 * terminal. The caller suspends Ink around it.
 */
export function runPager(file: string, env: NodeJS.ProcessEnv = process.env, opts: PagerOptions = {}): { ok: boolean; error?: string } {
  if (!existsSync(file)) return { ok: false, error: `${file} does not exist` };
  const safe = tempFile(basename(file), sanitize(readFileSync(file, 'utf8')));
  const pager = env.PAGER || 'less';
  const [cmd, ...args] = pager.split(/\s+/);
  const isLess = basename(cmd!) === 'less';
  const at = opts.search && isLess ? [`+/${lessPattern(opts.search)}`] : [];
  const t0 = Date.now();
  const r = spawnSync(cmd!, [...args, ...at, safe], { stdio: 'inherit' });
  if (r.error) return { ok: false, error: `${pager}: ${r.error.message}` };
  opts.after?.(Date.now() - t0);
  return { ok: true };
}

/** A pager like `cat` returns at once and the screen would flash away: wait for Enter before the workbench redraws. */
export function waitForEnter(prompt = '-- press Enter to return to the workbench --'): void {
  if (!process.stdin.isTTY) return;
  process.stdout.write(`\n${prompt}`);
  const buf = Buffer.alloc(16);
  try {
    // Blocking read of the terminal (the workbench is suspended): one line.
    for (;;) {
      const n = readSync(0, buf, 0, buf.length, null);
      if (n <= 0 || buf.subarray(0, n).includes(10) || buf.subarray(0, n).includes(13)) break;
    }
  } catch {
    // EAGAIN on a non-blocking stdin: nothing to wait on.
  }
}
