/** Observation capping as OpenHands did it (events/event.py truncate_content + the CodeAct exit-code suffix). */

export const TRUNCATION_MARKER = '\n[... Observation truncated due to length ...]\n';
export const exitCodeSuffix = (code: number) => `\n[Command finished with exit code ${code}]`;
const EXIT_SUFFIX_RE = /\n\[Command finished with exit code -?\d+\]$/;

/** First max/2 + marker + last max/2 characters when longer than `max`. */
export function truncateContent(content: string, max: number): string {
  if (content.length <= max) return content;
  const half = Math.floor(max / 2);
  return content.slice(0, half) + TRUNCATION_MARKER + content.slice(content.length - half);
}

/**
 * The observation the model sees. OpenHands truncates the command output and then appends the exit-code line, so
 * the suffix survives truncation. The bash tool may already have appended it: never double it.
 */
export function renderObservation(text: string, opts: { max: number; exitCode?: number; bash?: boolean }): { text: string; truncated: boolean } {
  let body = text;
  let suffix = '';
  const m = EXIT_SUFFIX_RE.exec(body);
  if (m) {
    suffix = m[0];
    body = body.slice(0, m.index);
  } else if (opts.bash && opts.exitCode !== undefined) {
    suffix = exitCodeSuffix(opts.exitCode);
  }
  const capped = truncateContent(body, opts.max);
  return { text: capped + suffix, truncated: capped !== body };
}
