import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bundled sample tasks: samples/tasks.jsonl (SWE-Gym record format) over two small Python repositories that
 * ship as git bundles in samples/repos/<owner>__<name>.bundle (all refs, including commits and tags after each
 * task's base_commit). How they are made: samples/README.md.
 */

/** Absolute path of the repository's samples/ folder, found from this module's location so any cwd works. */
export const SAMPLES_DIR = fileURLToPath(new URL('../../../samples/', import.meta.url)).replace(/\/$/, '');

/** The sample task records, one JSON object a line. */
export const SAMPLE_TASKS_FILE = join(SAMPLES_DIR, 'tasks.jsonl');

/** Folder of the sample repositories' git bundles: the offline repo source the image builder clones from. */
export const SAMPLE_REPOS_DIR = join(SAMPLES_DIR, 'repos');

/** Folder of hand-made candidate patches: `<instance_id>.wrong.diff`, `<instance_id>.noapply.diff`. */
export const SAMPLE_CANDIDATES_DIR = join(SAMPLES_DIR, 'candidates');

/**
 * Path of the git bundle holding `repo` ("owner/name", any case), or undefined when it is not a sample repo.
 * `git clone <path> /testbed` gives the full history; the caller strips what lies beyond base_commit.
 */
export function sampleRepoSource(repo: string): string | undefined {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(repo.trim());
  if (!match) return undefined;
  const wanted = `${match[1]}__${match[2]}.bundle`.toLowerCase();
  let names: string[];
  try {
    names = readdirSync(SAMPLE_REPOS_DIR);
  } catch {
    return undefined;
  }
  const name = names.find((n) => n.toLowerCase() === wanted);
  return name === undefined ? undefined : join(SAMPLE_REPOS_DIR, name);
}

export type SampleCandidateKind = 'wrong' | 'noapply';

/**
 * A shipped candidate patch for a sample task: `wrong` applies but breaks a PASS_TO_PASS test, `noapply` does not
 * apply at base_commit (not even with `patch --fuzz=5`). Undefined when that task has none.
 */
export function sampleCandidate(instanceId: string, kind: SampleCandidateKind): string | undefined {
  const file = join(SAMPLE_CANDIDATES_DIR, `${instanceId}.${kind}.diff`);
  return existsSync(file) ? file : undefined;
}
