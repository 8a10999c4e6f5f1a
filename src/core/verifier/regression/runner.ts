import { createHash } from 'node:crypto';
import type { TaskRecord } from '../../dataset/schema.js';
import type { EnvSpec } from '../../runtime/env-spec.js';
import type { Runtime, RuntimeProvider } from '../../runtime/types.js';
import { DEFAULT_ACTIVATE, REPO_DIRECTORY } from '../../harness/eval-script.js';
import { getParser } from '../../harness/parsers.js';
import { shq } from '../../runtime/docker.js';
import { buildReexports, coveringTests, isTestFile, parseGrepLines, touchedModules, type CoveringTests } from './discover.js';

/** How the regression runner gets what it needs: containers, the instance image, the env spec. */
export interface RegressionDeps {
  provider: RuntimeProvider;
  /** The instance image (repository at base_commit). */
  image: (task: TaskRecord) => Promise<string>;
  spec: (task: TaskRecord) => EnvSpec;
  /** Seconds for one test run (default: the spec's test_timeout, else 1800). */
  timeoutSec?: number;
  onLog?: (msg: string) => void;
}

export interface Discovery {
  /** Every test file of the repository at base_commit. */
  testFiles: string[];
  imports: Map<string, string[]>;
  inits: Map<string, string[]>;
}

export interface BaselineRun {
  files: string[];
  /** Parsed statuses at base_commit. */
  statuses: Record<string, string>;
  /** Tests that pass at base_commit (the ones a candidate must keep passing). */
  passing: string[];
}

export interface CandidateRun {
  applied: boolean;
  empty: boolean;
  applyOutput: string;
  statuses: Record<string, string>;
  timedOut: boolean;
}

const TEST_OUTPUT = '/tmp/swegym_regression_output.log';
const PATCH_PATH = '/tmp/swegym_candidate.diff';

export function fileOfTest(id: string): string {
  return id.split('::')[0]!;
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/**
 * Runs a repository's own existing tests for the regression and agreement verifiers: discovery and the baseline in
 * one fresh container at base_commit, then one fresh container per candidate patch. Results are cached per instance
 * and per patch, so the hybrid verifier's regression and agreement parts share the runs.
 */
export class RegressionRunner {
  private readonly discoveries = new Map<string, Promise<Discovery & { baseline: Map<string, Promise<BaselineRun>> }>>();
  private readonly runs = new Map<string, Promise<CandidateRun>>();

  constructor(readonly deps: RegressionDeps) {}

  private log(m: string): void {
    this.deps.onLog?.(m);
  }

  private async withContainer<T>(task: TaskRecord, role: string, fn: (rt: Runtime) => Promise<T>): Promise<T> {
    const image = await this.deps.image(task);
    const rt = await this.deps.provider.start({ image, labels: { 'io.swegym.role': role, 'io.swegym.instance': task.instance_id }, workdir: REPO_DIRECTORY });
    try {
      return await fn(rt);
    } finally {
      await rt.stop();
    }
  }

  private testCommand(task: TaskRecord, files: string[]): string {
    const spec = this.deps.spec(task);
    const activate = spec.activate ?? DEFAULT_ACTIVATE;
    const lines = Array.isArray(spec.test_cmd) ? spec.test_cmd : [spec.test_cmd ?? 'pytest -rA'];
    const head = lines.slice(0, -1);
    const last = `${lines[lines.length - 1]} ${files.map(shq).join(' ')}`;
    // A subshell, so `set -e`-style failures and `cd`s don't leak into the session's shell.
    return `( ${[...activate, `cd ${REPO_DIRECTORY}`, ...head, last].join(' ; ')} ) > ${TEST_OUTPUT} 2>&1`;
  }

  private async runTests(rt: Runtime, task: TaskRecord, files: string[], signal?: AbortSignal): Promise<{ statuses: Record<string, string>; timedOut: boolean }> {
    if (!files.length) return { statuses: {}, timedOut: false };
    const spec = this.deps.spec(task);
    const timeoutSec = this.deps.timeoutSec ?? spec.test_timeout ?? 1800;
    const r = await rt.exec(this.testCommand(task, files), { timeoutSec, signal, maxOutputChars: 4096 });
    let log = '';
    try {
      log = (await rt.readFile(TEST_OUTPUT)).toString('utf8');
    } catch {
      log = r.output;
    }
    // the regression verifier reads its own runs the way SWE-Gym's fork reads test logs
    const parse = getParser(spec.parser ?? 'pytest', 'fork-242429c');
    return { statuses: parse(log), timedOut: r.timedOut };
  }

  /** Lists the repository's test files and the import lines of every Python file (for coverage and re-exports). */
  private async discover(rt: Runtime): Promise<Discovery> {
    const ls = await rt.exec(`git ls-files -- '*.py' > /tmp/swegym_py_files.txt; git grep -n -E '^[[:space:]]*(from|import)[[:space:]]' -- '*.py' > /tmp/swegym_imports.txt; true`, {
      cwd: REPO_DIRECTORY,
      timeoutSec: 300,
    });
    if (ls.exitCode !== 0) throw new Error(`listing the repository's files failed: ${ls.output.slice(0, 300)}`);
    const files = (await rt.readFile('/tmp/swegym_py_files.txt')).toString('utf8').split('\n').filter(Boolean);
    const grep = parseGrepLines((await rt.readFile('/tmp/swegym_imports.txt')).toString('utf8'));
    const testFiles = files.filter(isTestFile);
    const imports = new Map<string, string[]>();
    const inits = new Map<string, string[]>();
    for (const f of testFiles) imports.set(f, grep.get(f) ?? []);
    for (const f of files) if (f.endsWith('__init__.py') && !isTestFile(f)) inits.set(f, grep.get(f) ?? []);
    return { testFiles, imports, inits };
  }

  private instanceState(task: TaskRecord) {
    let p = this.discoveries.get(task.instance_id);
    if (!p) {
      p = this.withContainer(task, 'regression-discover', async (rt) => ({ ...(await this.discover(rt)), baseline: new Map<string, Promise<BaselineRun>>() }));
      this.discoveries.set(task.instance_id, p);
    }
    return p;
  }

  /** The existing tests covering what `patch` touches (empty for a patch that touches no Python module). */
  async covering(task: TaskRecord, patch: string): Promise<CoveringTests> {
    const d = await this.instanceState(task);
    return coveringTests(touchedModules(patch), d.testFiles, d.imports, buildReexports(d.inits));
  }

  /** The baseline at base_commit over `files` (one fresh container per distinct file set). */
  async baseline(task: TaskRecord, files: string[], signal?: AbortSignal): Promise<BaselineRun> {
    const d = await this.instanceState(task);
    const key = files.join('\n');
    let p = d.baseline.get(key);
    if (!p) {
      p = this.withContainer(task, 'regression-baseline', async (rt) => {
        this.log(`${task.instance_id}: baseline of ${files.length} test file(s) at ${task.base_commit.slice(0, 12)}`);
        const { statuses } = await this.runTests(rt, task, files, signal);
        const passing = Object.entries(statuses).filter(([, s]) => s === 'PASSED').map(([id]) => id).sort();
        return { files, statuses, passing };
      });
      d.baseline.set(key, p);
    }
    return p;
  }

  /** The candidate applied in a fresh container (test files restored to base_commit), then the same tests run. */
  async run(task: TaskRecord, patch: string, files: string[], signal?: AbortSignal): Promise<CandidateRun> {
    const key = `${task.instance_id}\u0000${sha(patch)}\u0000${files.join('\n')}`;
    let p = this.runs.get(key);
    if (!p) {
      p = this.runCandidate(task, patch, files, signal);
      this.runs.set(key, p);
    }
    return p;
  }

  private async runCandidate(task: TaskRecord, patch: string, files: string[], signal?: AbortSignal): Promise<CandidateRun> {
    if (!patch.trim()) return { applied: false, empty: true, applyOutput: '', statuses: {}, timedOut: false };
    return this.withContainer(task, 'regression-candidate', async (rt) => {
      await rt.writeFile(PATCH_PATH, patch.endsWith('\n') ? patch : `${patch}\n`);
      const apply = await rt.exec(`git apply -v ${PATCH_PATH} || patch --batch --fuzz=5 -p1 -i ${PATCH_PATH}`, { cwd: REPO_DIRECTORY, timeoutSec: 600, signal });
      if (apply.exitCode !== 0) return { applied: false, empty: false, applyOutput: apply.output, statuses: {}, timedOut: false };
      // The repository's own tests judge the candidate: a patch that edits them does not get to change them.
      const tracked = files.map(shq).join(' ');
      if (files.length) await rt.exec(`git checkout ${task.base_commit} -- ${tracked} 2>/dev/null || true`, { cwd: REPO_DIRECTORY, timeoutSec: 120 });
      const { statuses, timedOut } = await this.runTests(rt, task, files, signal);
      return { applied: true, empty: false, applyOutput: apply.output, statuses, timedOut };
    });
  }
}
