/**
 * Errors that say the container engine did not answer (socket refused or gone, connection reset, a request cut
 * mid-way), as opposed to an answer that something is missing or wrong. During a dockerd outage every call fails this
 * way: such a failure is infrastructure, never a result (no verdict, no patch, no "image missing").
 */
const UNREACHABLE = /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket hang up|connect ENOENT|read ENOTCONN)\b|Cannot connect to the Docker daemon/i;

export function isEngineUnreachable(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH)$/.test(code)) return true;
  const msg = e instanceof Error ? e.message : String(e ?? '');
  return UNREACHABLE.test(msg);
}
