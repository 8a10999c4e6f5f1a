import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** `winners.jsonl` in a session folder: the best-of-n winner a person marked per instance, newest mark last. */
export const WINNERS_FILE = 'winners.jsonl';

export const WinnerMark = z.object({
  instance_id: z.string().min(1),
  rollout_id: z.string().min(1),
  /** ms since the epoch */
  ts: z.number(),
});
export type WinnerMark = z.infer<typeof WinnerMark>;

/** Appends a mark (one whole line, so a crash never tears an earlier one). */
export function appendWinner(sessionDir: string, instanceId: string, rolloutId: string, ts = Date.now()): void {
  const mark: WinnerMark = WinnerMark.parse({ instance_id: instanceId, rollout_id: rolloutId, ts });
  writeFileSync(join(sessionDir, WINNERS_FILE), JSON.stringify(mark) + '\n', { flag: 'a' });
}

/** instance id -> the rollout marked last. A line that is not a valid mark (cut short by a crash) is skipped. */
export function readWinners(sessionDir: string): Map<string, string> {
  const file = join(sessionDir, WINNERS_FILE);
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      continue;
    }
    const r = WinnerMark.safeParse(raw);
    if (r.success) out.set(r.data.instance_id, r.data.rollout_id);
  }
  return out;
}
