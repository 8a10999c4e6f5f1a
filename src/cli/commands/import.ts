import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SESSIONS_DIR, newSessionName } from '../../core/session/index.js';
import { readImport, writeImportedSession, ImportError, type ImportFormat } from '../../core/import/index.js';
import { sessionNameProblem, sanitize } from '../../core/util/index.js';

export interface ImportOptions {
  file: string;
  /** swegym | openhands | swe-agent | mini-swe-agent */
  format: string;
  /** Session name (default import-<format>-<stamp>). */
  session?: string;
  sessionsDir?: string;
  json?: boolean;
  io?: { out: (line: string) => void; err: (line: string) => void };
}

/**
 * `swegym import <file> --format F [--session NAME]`: other tools' trajectories as a new session that swegym can
 * browse, score and export. Bad input is an error naming the file, the line and the field; nothing is written then.
 */
export async function importCommand(opts: ImportOptions): Promise<number> {
  const out = opts.io?.out ?? ((l: string) => console.log(sanitize(l)));
  const err = opts.io?.err ?? ((l: string) => console.error(sanitize(l)));
  let rollouts;
  try {
    rollouts = await readImport(opts.file, opts.format);
  } catch (e) {
    if (e instanceof ImportError) {
      err(`swegym import: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (!rollouts.length) {
    err(`swegym import: ${opts.file}: no trajectories found`);
    return 2;
  }
  if (opts.session !== undefined) {
    const problem = sessionNameProblem(opts.session);
    if (problem) {
      err(`swegym import: --session ${problem}`);
      return 2;
    }
  }
  const name = opts.session ?? newSessionName(`import-${opts.format}`);
  const dir = resolve(join(opts.sessionsDir ?? DEFAULT_SESSIONS_DIR, name));
  if (existsSync(join(dir, 'manifest.json'))) {
    err(`swegym import: a session '${name}' already exists at ${dir}`);
    return 1;
  }
  const res = writeImportedSession(rollouts, { dir, name, format: opts.format as ImportFormat /* readImport checked it */, source: opts.file });
  if (opts.json) out(JSON.stringify({ session: name, ...res }, null, 2));
  else {
    out(
      `imported ${res.rollouts} rollout(s) over ${res.instances} instance(s) (up to ${res.samples} per instance) into session ${name} (${dir}); ` +
        `${res.verified ? `${res.resolved}/${res.verified} resolved by the source's verdicts` : 'no resolved flags in the source'}`,
    );
    out(`next: swegym show ${name} · swegym score ${name} --verifier llm --config verifier.json · swegym export sft ${name} --out sft.jsonl`);
  }
  return 0;
}
