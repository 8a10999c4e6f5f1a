import { DEFAULT_SESSIONS_DIR } from '../../core/session/index.js';
import { doctorPassed, runDoctor, type CheckResult } from '../../core/doctor/index.js';
import { sanitize, terminalSafeJson } from '../../core/util/index.js';

export interface DoctorCommandOptions {
  dataset?: string;
  sessionsDir?: string;
  baseUrl?: string;
  model?: string;
  envSpec?: string[];
  quick?: boolean;
  json?: boolean;
  timeout?: number;
}

const MARK: Record<CheckResult['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** One line a check; a fix under anything that is not fine. Exit 0 when nothing failed. */
export function formatChecks(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.title.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.title.padEnd(width)}  ${r.detail}`);
    if (r.fix && (r.status === 'fail' || r.status === 'warn')) lines.push(`  ${' '.repeat(width)}  fix: ${r.fix}`);
  }
  return sanitize(lines.join('\n'));
}

export async function doctorCommand(opts: DoctorCommandOptions): Promise<number> {
  const results = await runDoctor({
    dataset: opts.dataset,
    sessionsDir: opts.sessionsDir ?? DEFAULT_SESSIONS_DIR,
    baseUrl: opts.baseUrl,
    model: opts.model,
    envSpecs: opts.envSpec ?? [],
    quick: opts.quick,
    timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined,
  });
  const passed = doctorPassed(results);
  if (opts.json) {
    process.stdout.write(`${terminalSafeJson({ passed, checks: results }, 2)}\n`);
  } else {
    process.stdout.write(`${formatChecks(results)}\n`);
    const failed = results.filter((r) => r.status === 'fail').length;
    process.stdout.write(passed ? 'swegym doctor: ready\n' : `swegym doctor: ${failed} problem(s) to fix (see "fix:" above)\n`);
  }
  return passed ? 0 : 1;
}
