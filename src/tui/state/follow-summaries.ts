import type { RolloutEvent } from '../../core/events.js';
import type { SessionReader } from '../../core/session/index.js';

/** Events after which a rollout's summary (status, verdict, scores, cost) may have changed. */
export const SUMMARY_EVENTS = new Set<string>(['rollout_started', 'agent_stopped', 'verification_verdict', 'verifier_score', 'rollout_ended']);

/**
 * Follows a session that this or another process appends to: every event goes to `onEvent`; when one that changes a
 * summary arrives, the session's index (what summaries() reads) is re-read, at most once per `delayMs`, then
 * `onSummaries` runs. The file store reads its index once on open, so without this a followed session would stand still.
 */
export function followSummaries(
  reader: SessionReader,
  handlers: { onEvent(e: RolloutEvent): void; onSummaries(): void; onError(message: string): void },
  delayMs = 200,
): () => void {
  const refresh = (reader as { refresh?(): void }).refresh?.bind(reader);
  let pending: ReturnType<typeof setTimeout> | undefined;
  const off = reader.follow((e) => {
    handlers.onEvent(e);
    if (!SUMMARY_EVENTS.has(e.type) || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      try {
        refresh?.();
      } catch (err) {
        handlers.onError(`could not re-read the session index: ${(err as Error).message}`);
      }
      handlers.onSummaries();
    }, delayMs);
  });
  return () => {
    off();
    if (pending) clearTimeout(pending);
  };
}
