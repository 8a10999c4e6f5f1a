import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownStartTime, processAlive } from '../util/process.js';

/** Where build locks live: shared by every swegym process on this machine. */
export const LOCK_DIR = join(tmpdir(), 'swegym-locks');


/**
 * Run `fn` while holding a machine-wide lock `name` (a file created with O_EXCL holding our pid). A lock whose
 * holder died is taken over. Two processes building the same image thus build it once; the second one waits and
 * then finds the image present.
 */
export async function withFileLock<T>(
  name: string,
  fn: () => Promise<T>,
  opts: { timeoutMs?: number; pollMs?: number; onWait?: (holderPid: number) => void } = {},
): Promise<T> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const file = join(LOCK_DIR, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.lock`);
  const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000);
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      // "pid start": with the start time a reused pid is not taken for the holder.
      writeSync(fd, `${process.pid} ${ownStartTime() ?? ''}`.trim());
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = 0;
      let start: string | undefined;
      try {
        const [pid, st] = readFileSync(file, 'utf8').trim().split(/\s+/);
        holder = Number.parseInt(pid ?? '', 10);
        start = st;
      } catch {
        continue; // released between our open and read
      }
      if (!holder || !processAlive(holder, start)) {
        rmSync(file, { force: true });
        continue;
      }
      if (!told) {
        opts.onWait?.(holder);
        told = true;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${file} held by pid ${holder}`);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
