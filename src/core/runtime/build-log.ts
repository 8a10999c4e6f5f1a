import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { sanitize } from '../util/sanitize.js';

/**
 * Where build output goes: `$SWEGYM_BUILD_LOGS`, else `$XDG_CACHE_HOME/swegym/build-logs` (`~/.cache/...`). The
 * terminal gets progress; the full output of every build (apt, git, pip, debootstrap) stays here.
 */
export function defaultBuildLogDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWEGYM_BUILD_LOGS ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'swegym', 'build-logs');
}

/** One build's log file, keeping the last lines in memory for the failure message. */
export class BuildLog {
  readonly path: string;
  private readonly tailLines: string[] = [];
  private readonly t0 = Date.now();
  constructor(dir: string, name: string) {
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    this.path = join(dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}-${stamp}-${process.pid}.log`);
    writeFileSync(this.path, '');
  }
  line = (text: string): void => {
    const clean = sanitize(text);
    this.tailLines.push(clean);
    if (this.tailLines.length > 40) this.tailLines.shift();
    try {
      appendFileSync(this.path, `[${((Date.now() - this.t0) / 1000).toFixed(2).padStart(7)}] ${clean}\n`);
    } catch {
      /* a full disk must not fail the build a second time; the tail is still kept */
    }
  };
  tail(n = 15): string[] {
    return this.tailLines.slice(-n);
  }
}
