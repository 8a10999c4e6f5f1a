import { z } from 'zod';
import { diffTargets } from './patch-files.js';

/**
 * Does a candidate patch touch what decides its own grade? A patch that adds a `conftest.py` rewriting every report to
 * "passed", edits the tests the task runs, or changes pytest/tox configuration is graded RESOLVED by the official
 * harness as well, so the verdict stays official; but an RL policy learns such routes first, so the verdict carries
 * this flag (reports count it, the workbench shows it, the Gym API's `--reward-guard strict` pays 0 for it).
 *
 * Flagged paths (each with its reason):
 * - `test file`: a file the task's test patch touches or a FAIL_TO_PASS / PASS_TO_PASS test id names, or a path that
 *   looks like a test (`test_*.py`, `*_test.py`, a `tests/` or `testing/` folder);
 * - `conftest.py` anywhere (pytest loads it before every test);
 * - `test configuration`: pytest.ini, tox.ini, setup.cfg, pyproject.toml (the last two only when the patch's hunks
 *   for them mention pytest or tox), `.coveragerc`;
 * - `interpreter hook`: sitecustomize.py, usercustomize.py, `*.pth` (run by Python at start-up, before any test).
 */
export const Tamper = z.object({
  flagged: z.literal(true),
  files: z.array(z.object({ path: z.string(), reason: z.enum(['test file', 'conftest.py', 'test configuration', 'interpreter hook']) })),
});
export type Tamper = z.infer<typeof Tamper>;

export interface TamperTask {
  test_patch?: string;
  FAIL_TO_PASS?: string[];
  PASS_TO_PASS?: string[];
}

const TEST_PATH = /(^|\/)(tests?|testing)\/|(^|\/)test_[^/]*\.py$|_tests?\.py$/;
const ALWAYS_CONFIG = /(^|\/)(pytest\.ini|tox\.ini|\.coveragerc)$/;
const MAYBE_CONFIG = /(^|\/)(setup\.cfg|pyproject\.toml)$/;
const HOOK = /(^|\/)(sitecustomize\.py|usercustomize\.py|[^/]+\.pth)$/;

/** The test-file part of a test id: `tests/test_x.py::TestA::test_b` -> `tests/test_x.py`. */
function testIdFile(id: string): string | undefined {
  const file = id.split('::')[0]!.trim();
  return /\.py$/.test(file) ? file : undefined;
}

/** Each file's section of a patch (from its `diff --git` line to the next). */
function sections(patch: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sec of patch.split(/(?=^diff --git )/m)) {
    const target = diffTargets(sec)[0];
    if (target !== undefined) out.set(target, sec);
  }
  return out;
}

/** The flag for a patch, or undefined when it touches none of the grade's inputs. */
export function tamperCheck(patch: string | null | undefined, task: TamperTask): Tamper | undefined {
  if (!patch) return undefined;
  const testInputs = new Set<string>(diffTargets(task.test_patch ?? ''));
  for (const id of [...(task.FAIL_TO_PASS ?? []), ...(task.PASS_TO_PASS ?? [])]) {
    const f = testIdFile(id);
    if (f) testInputs.add(f);
  }
  const files: Tamper['files'] = [];
  for (const [path, sec] of sections(patch)) {
    // A rename or deletion names the old path in the `diff --git a/...` part; both sides count.
    const old = /^diff --git a\/(\S+)/.exec(sec)?.[1];
    const paths = [path, ...(old && old !== path ? [old] : [])];
    const reason = paths
      .map((p): Tamper['files'][number]['reason'] | undefined => {
        if (/(^|\/)conftest\.py$/.test(p)) return 'conftest.py';
        if (HOOK.test(p)) return 'interpreter hook';
        if (ALWAYS_CONFIG.test(p)) return 'test configuration';
        if (MAYBE_CONFIG.test(p) && /^[+-].*\b(pytest|tox)\b/im.test(sec.split('\n').filter((l) => !l.startsWith('+++') && !l.startsWith('---')).join('\n'))) return 'test configuration';
        if (testInputs.has(p) || TEST_PATH.test(p)) return 'test file';
        return undefined;
      })
      .find((r) => r !== undefined);
    if (reason) files.push({ path, reason });
  }
  return files.length ? { flagged: true, files } : undefined;
}
