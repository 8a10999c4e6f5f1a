import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from '../runtime/env-spec.js';
import type { Runtime, RuntimeProvider } from '../runtime/types.js';
import type { ProfileName, TestStatus, Verdict } from './types.js';
import { TestStatus as TestStatusSchema } from './types.js';
import { APPLY_PATCH_FAIL, APPLY_PATCH_PASS, END_TEST_OUTPUT, START_TEST_OUTPUT, defaultProfileFor, getProfile, harnessStamp } from './profiles.js';
import { REPO_DIRECTORY, makeApplyCommands, makeEvalScript, makeTestCommand } from './eval-script.js';
import { openhandsCleanPatch } from './patch-files.js';
import { ParserCrash, UnknownParser, type StatusMap } from './parsers.js';
import { getEvalReportStreamed } from './grading.js';
import { EvalOutputFile } from './eval-output.js';
import { forEachLineOfFile } from './log-lines.js';
import { tamperCheck } from './tamper.js';
import {
  LOG_EVAL_SCRIPT,
  LOG_INSTANCE,
  LOG_PATCH,
  LOG_REPORT,
  LOG_TEST_OUTPUT,
  instanceLogDir,
  makeRunSummary,
  pyJsonDumps,
  runSummaryFileName,
  writeFileEnsured,
  type Prediction,
  type RunSummary,
} from './report.js';

export interface VerifyOptions {
  task: TaskRecord;
  /** The candidate patch; '' or null is an empty patch. */
  patch: string | null;
  spec: EnvSpec;
  profile: ProfileName;
  provider: RuntimeProvider;
  /** The instance image: verification always starts a fresh container from it. */
  image: string;
  logDir?: string;
  timeoutSec?: number;
  offline?: boolean;
  signal?: AbortSignal;
  onPhase?: (phase: string, message: string) => void;
  /**
   * Run the eval script on the untouched base code even though the patch is empty (validation's "empty" runs).
   * The harness itself never does this: it skips empty patches.
   */
  runEmpty?: boolean;
  /** Extra container labels. */
  labels?: Record<string, string>;
}

const APPLY_TIMEOUT_SEC = 600;
/** What the shell session keeps of eval.sh's output in memory: nothing reads it (the file on disk is the log). */
const RETURNED_OUTPUT_CHARS = 64 * 1024;
/** base64 characters per command when writing a file through the shell. */
const WRITE_CHUNK = 64 * 1024;

/**
 * Writes a file through the container's shell session (base64 in chunks): a few ms, where an archive upload
 * through the engine API costs ~50 ms — and verification writes two files per instance.
 */
export async function writeViaShell(rt: Runtime, path: string, content: string, mode?: string): Promise<void> {
  const b64 = Buffer.from(content, 'utf8').toString('base64');
  const q = `'${path.replace(/'/g, `'\\''`)}'`;
  for (let i = 0; i === 0 || i < b64.length; i += WRITE_CHUNK) {
    const r = await rt.exec(`printf '%s' '${b64.slice(i, i + WRITE_CHUNK)}' | base64 -d ${i === 0 ? '>' : '>>'} ${q}`, { timeoutSec: 60 });
    if (r.exitCode !== 0) throw new Error(`cannot write ${path} in the container: ${r.output.trim()}`);
  }
  if (mode) await rt.exec(`chmod ${mode} ${q}`, { timeoutSec: 60 });
}

function nowMs(): number {
  return performance.now();
}

/** Keeps only statuses of the TestStatus enum (the parser may record odd tokens, e.g. "PASSEDX"). */
function cleanStatuses(sm: StatusMap): Record<string, TestStatus> {
  const out: Record<string, TestStatus> = {};
  for (const [k, v] of Object.entries(sm)) if (TestStatusSchema.safeParse(v).success) out[k] = v as TestStatus;
  return out;
}

/**
 * Watches the streamed eval output for bash's xtrace lines around the test command, so `test_ms` is the test
 * command's own time without changing a byte of eval.sh.
 */
class TestClock {
  private buf = '';
  private lineT?: number;
  private sawTestPatch = false;
  start?: number;
  end?: number;
  constructor(
    private readonly testPrefix: string,
    private readonly endPrefixes: string[],
    private readonly markers: boolean,
  ) {}
  /** Each line is stamped with the arrival of its first character (the session may hold a newline back). */
  feed(chunk: string): void {
    const t = nowMs();
    const parts = chunk.split('\n');
    for (let i = 0; i < parts.length; i++) {
      if (this.buf === '' && parts[i] !== '') this.lineT = t;
      this.buf += parts[i];
      if (i < parts.length - 1) {
        this.line(this.buf, this.lineT ?? t);
        this.buf = '';
        this.lineT = undefined;
      }
    }
  }
  private line(line: string, t: number): void {
    if (this.end !== undefined) return;
    if (this.start === undefined) {
      if (this.markers) {
        if (line.startsWith(`+ : '${START_TEST_OUTPUT}'`)) this.start = t;
      } else if (line.startsWith('+ git apply -v -')) this.sawTestPatch = true;
      else if (this.sawTestPatch && line.startsWith(this.testPrefix)) this.start = t;
      return;
    }
    if (this.endPrefixes.some((p) => line.startsWith(p))) this.end = t;
  }
  get ms(): number | undefined {
    return this.start !== undefined && this.end !== undefined ? this.end - this.start : undefined;
  }
}

/**
 * Verify one candidate patch exactly as the chosen harness profile would: a fresh container from the instance
 * image, the candidate applied there, eval.sh run with a timeout, the log parsed and graded, the harness's log
 * files written. Every failure is a verdict with a reason; the container is removed on every path.
 */
export async function verifyPatch(opts: VerifyOptions): Promise<Verdict> {
  const t0 = nowMs();
  const profile = getProfile(opts.profile);
  const id = opts.task.instance_id;
  const phase = (p: string, m: string) => {
    log(`${p}: ${m}`);
    opts.onPhase?.(p, m);
  };
  const logDir = opts.logDir;
  const log = (msg: string) => {
    const line = `${new Date().toISOString()} - INFO - ${msg}\n`;
    if (logDir) appendFileSync(join(logDir, LOG_INSTANCE), line);
  };
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    for (const f of [LOG_REPORT, LOG_INSTANCE, LOG_TEST_OUTPUT]) rmSync(join(logDir, f), { force: true });
  }
  const tamper = tamperCheck(opts.patch, opts.task);
  const base = { instance_id: id, profile: opts.profile, harness: harnessStamp(opts.profile), ...(logDir ? { log_dir: logDir } : {}), ...(tamper ? { tamper } : {}) };
  const verdict = (v: Omit<Verdict, 'instance_id' | 'profile' | 'harness'>): Verdict => {
    const out: Verdict = { ...base, ...v, total_ms: Math.round(nowMs() - t0) };
    log(`verdict: ${out.status}${out.reason ? ` (${out.reason})` : ''}`);
    return out;
  };

  const patch = profile.cleanPatch ? openhandsCleanPatch(opts.patch) : (opts.patch ?? '');
  if (patch === '' && !opts.runEmpty) {
    return verdict({ status: 'empty_patch', resolved: false, reason: profile.cleanPatch ? 'empty_generation' : 'empty patch' });
  }

  let script: string;
  try {
    script = makeEvalScript(opts.task, opts.spec, opts.profile, { offline: opts.offline });
  } catch (e) {
    return verdict({ status: 'error', resolved: false, reason: `cannot build eval script: ${(e as Error).message}` });
  }
  if (logDir) {
    writeFileEnsured(join(logDir, LOG_PATCH), patch);
    writeFileEnsured(join(logDir, LOG_EVAL_SCRIPT), script);
  }

  phase('start', `starting a fresh container from ${opts.image}`);
  let rt: Runtime;
  try {
    rt = await opts.provider.start({
      image: opts.image,
      labels: { 'io.swegym.role': 'verify', 'io.swegym.instance': id, ...(opts.labels ?? {}) },
      workdir: REPO_DIRECTORY,
    });
  } catch (e) {
    return verdict({ status: 'image_error', resolved: false, reason: `cannot start a container from ${opts.image}: ${(e as Error).message}` });
  }
  log(`Container for ${id} started: ${rt.id}`);

  /** Without a log folder, test_output.txt goes to a temporary folder, removed at the end. */
  let scratch: string | undefined;
  // The container is removed before total_ms is stamped: removal is part of an instance's wall time.
  const inContainer = async (): Promise<Verdict> => {
    try {
      if (opts.signal?.aborted) return verdict({ status: 'error', resolved: false, reason: 'interrupted' });

      // 1. the candidate patch, applied first
      if (patch !== '') {
        phase('apply', `applying the candidate patch (${profile.applyMode})`);
        await writeViaShell(rt, profile.patchPath, patch);
        const applied = await applyPatch(rt, opts.profile, log, opts.signal);
        if (!applied.ok) {
          return verdict({ status: 'patch_apply_failed', resolved: false, reason: applied.reason });
        }
      } else log('no patch applied (empty-patch run on the base code)');

      const diffCmd = profile.informationalDiff === 'git diff' ? 'git diff' : 'git -c core.fileMode=false diff';
      const before = await rt.exec(diffCmd, { cwd: REPO_DIRECTORY, timeoutSec: 120, signal: opts.signal });
      log(`Git diff before:\n${before.output.trim()}`);

      // 2. eval.sh, with a timeout
      await writeViaShell(rt, profile.evalScriptPath, script, '755');
      const timeoutSec = opts.timeoutSec ?? opts.spec.test_timeout ?? profile.defaultTimeoutSec;
      const testLines = makeTestCommand(opts.task, opts.spec, opts.profile);
      const firstWord = testLines[0].trim().split(/\s+/)[0];
      const endPrefixes = [`+ : '${END_TEST_OUTPUT}'`, `+ git checkout ${opts.task.base_commit}`, '+ rm -f '];
      const clock = new TestClock(`+ ${firstWord}`, endPrefixes, profile.markers);
      phase('eval', `running eval.sh (timeout ${timeoutSec} s)`);
      // The output streams to test_output.txt on disk with a cap that keeps every line grading can read
      // (eval-output.ts), and is graded from that file line by line: memory stays flat whatever the test prints.
      const outPath = logDir ? join(logDir, LOG_TEST_OUTPUT) : join((scratch = mkdtempSync(join(tmpdir(), 'swegym-eval-'))), LOG_TEST_OUTPUT);
      const out = new EvalOutputFile(outPath);
      let run;
      try {
        run = await rt.exec(`/bin/bash ${profile.evalScriptPath} 2>&1`, {
          timeoutSec,
          signal: opts.signal,
          onOutput: (c) => {
            clock.feed(c);
            out.push(c);
          },
          maxOutputChars: RETURNED_OUTPUT_CHARS,
        });
      } finally {
        const stats = out.close();
        if (stats.omittedRuns > 0) log(`Test output: ${stats.totalBytes} bytes, ${stats.omittedBytes} bytes of lines no parser reads left out of ${LOG_TEST_OUTPUT}`);
      }
      const testMs = clock.ms ?? run.durationMs;
      log(`Test runtime: ${(run.durationMs / 1000).toFixed(2)} seconds`);
      if (run.interrupted && !run.timedOut) {
        return verdict({ status: 'error', resolved: false, reason: 'interrupted', test_ms: Math.round(testMs) });
      }
      if (run.timedOut) {
        if (profile.onTimeout === 'error') {
          appendFileSync(outPath, `\n\nTimeout error: ${timeoutSec} seconds exceeded.`);
          return verdict({ status: 'timeout', resolved: false, reason: `Test timed out after ${timeoutSec} seconds.`, test_ms: Math.round(testMs) });
        }
        log(`Evaluation timed out after ${timeoutSec} seconds; grading the partial log`);
      }

      const after = await rt.exec(diffCmd, { cwd: REPO_DIRECTORY, timeoutSec: 120, signal: opts.signal });
      log(`Git diff after:\n${after.output.trim()}`);
      if (after.output.trim() !== before.output.trim()) log('Git diff changed after running eval script');

      // 3. parse + grade (get_eval_report of the profile's version)
      const parser = profile.recordFields && opts.task.log_parser ? opts.task.log_parser : opts.spec.parser;
      phase('grade', `parsing the log with ${parser}`);
      let graded;
      try {
        graded = await getEvalReportStreamed(
          {
            instanceId: id,
            repo: opts.task.repo,
            FAIL_TO_PASS: opts.task.FAIL_TO_PASS,
            PASS_TO_PASS: opts.task.PASS_TO_PASS,
            eval_type: opts.task.eval_type,
            patch,
            parser,
          },
          opts.profile,
          (fold) => forEachLineOfFile(outPath, (l) => fold.line(l)),
        );
      } catch (e) {
        if (e instanceof ParserCrash || e instanceof UnknownParser) {
          return verdict({ status: 'error', resolved: false, reason: e.message, test_ms: Math.round(testMs) });
        }
        throw e;
      }
      const entry = graded.report[id];
      // the official report.json, plus (last key of the entry) the profile and the version it reproduces
      if (logDir) writeFileEnsured(join(logDir, LOG_REPORT), pyJsonDumps({ [id]: { ...entry, harness: harnessStamp(opts.profile) } }));
      const infra =
        profile.infraFailure
          ? { infra_failure: entry.infra_failure as boolean, ...(entry.infra_failure_reason ? { infra_failure_reason: entry.infra_failure_reason as string } : {}) }
          : {};
      const timeoutNote = run.timedOut ? `test_timeout: eval.sh exceeded ${timeoutSec} s; partial log graded` : undefined;
      if (!graded.logs?.valid || !graded.testsStatus) {
        return verdict({
          status: 'unresolved',
          resolved: false,
          resolution: 'RESOLVED_NO',
          test_statuses: {},
          ...infra,
          reason: [`invalid test log: ${graded.logs?.reason ?? 'not graded'}`, timeoutNote].filter(Boolean).join('; '),
          test_ms: Math.round(testMs),
        });
      }
      const testsStatus = graded.testsStatus;
      const resolved = entry.resolved === true;
      log(`Result for ${id}: resolved: ${resolved}`);
      const failing = [...testsStatus.FAIL_TO_PASS.failure, ...testsStatus.PASS_TO_PASS.failure];
      return verdict({
        status: resolved ? 'resolved' : 'unresolved',
        resolved,
        resolution: graded.resolution,
        tests_status: testsStatus,
        test_statuses: cleanStatuses(graded.logs.statusMap),
        ...infra,
        ...(resolved
          ? timeoutNote ? { reason: timeoutNote } : {}
          : { reason: [`failing: ${failing.slice(0, 10).join(', ')}${failing.length > 10 ? `, … (${failing.length})` : ''}`, timeoutNote].filter(Boolean).join('; ') }),
        test_ms: Math.round(testMs),
      });
    } catch (e) {
      return verdict({ status: 'error', resolved: false, reason: `Error in evaluating ${id}: ${(e as Error).message}` });
    }
  };
  let result: Verdict;
  try {
    result = await inContainer();
  } finally {
    await rt.stop().catch(() => undefined);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
  result.total_ms = Math.round(nowMs() - t0);
  if (logDir && opts.profile === 'openhands') {
    writeFileEnsured(join(logDir, 'openhands_report.json'), pyJsonDumps(openhandsReport(result)) + '\n');
  }
  return result;
}

/** OpenHands eval_infer's `test_result.report` for a verdict. */
export function openhandsReport(v: Verdict): Record<string, boolean> {
  return {
    empty_generation: v.status === 'empty_patch',
    resolved: v.resolved,
    failed_apply_patch: v.status === 'patch_apply_failed',
    error_eval: v.status === 'error',
    test_timeout: v.status === 'timeout' || /test_timeout/.test(v.reason ?? ''),
  };
}

async function applyPatch(
  rt: Runtime,
  profileName: ProfileName,
  log: (m: string) => void,
  signal?: AbortSignal,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const profile = getProfile(profileName);
  const cmds = makeApplyCommands(profileName);
  if (profile.applyMode === 'openhands-chain') {
    const r = await rt.exec(cmds[0], { timeoutSec: APPLY_TIMEOUT_SEC, signal });
    if (r.output.includes('APPLY_PATCH_FAIL')) {
      log(`${APPLY_PATCH_FAIL}:\n${r.output}`);
      return { ok: false, reason: `${APPLY_PATCH_FAIL}: ${lastLines(r.output)}` };
    }
    if (r.output.includes('APPLY_PATCH_PASS')) {
      log(`${APPLY_PATCH_PASS}:\n${r.output}`);
      return { ok: true };
    }
    throw new Error(`Unexpected output when applying patch:\n${r.output}`);
  }
  let last = '';
  for (const [attempt, cmd] of cmds.entries()) {
    if (attempt > 0 && profile.applyResetBetweenAttempts) {
      // main: a failed attempt (notably --reject) leaves partial state; every retry starts from a pristine tree
      await rt.exec('git checkout -- . ; git clean -fd', { cwd: REPO_DIRECTORY, timeoutSec: APPLY_TIMEOUT_SEC, signal });
    }
    const r = await rt.exec(cmd, { cwd: REPO_DIRECTORY, timeoutSec: APPLY_TIMEOUT_SEC, signal });
    last = r.output;
    if (r.exitCode === 0) {
      log(`${APPLY_PATCH_PASS}:\n${r.output}`);
      return { ok: true };
    }
    log(`Failed to apply patch to container: ${cmd.slice(0, cmd.lastIndexOf(' '))}`);
  }
  if (profile.applyReverseCheck) {
    // main: the chain can leave the patch fully applied while each command still exited non-zero
    const rev = await rt.exec(`git apply --check --reverse ${profile.patchPath}`, { cwd: REPO_DIRECTORY, timeoutSec: APPLY_TIMEOUT_SEC, signal });
    if (rev.exitCode === 0) {
      log(`${APPLY_PATCH_PASS}: verified already applied`);
      return { ok: true };
    }
  }
  log(`${APPLY_PATCH_FAIL}:\n${last}`);
  return { ok: false, reason: `${APPLY_PATCH_FAIL}: ${lastLines(last)}` };
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

// ---------------------------------------------------------------------------------------------------------------
// a whole run: predictions over tasks, bounded concurrency, the harness's run summary

export interface RunEvaluationOptions {
  tasks: TaskRecord[];
  /** By instance id, or a list (JSONL rows). */
  predictions: Record<string, Prediction> | Prediction[];
  provider: RuntimeProvider;
  specFor: (task: TaskRecord) => EnvSpec | Promise<EnvSpec>;
  /**
   * May build the image; a throw becomes an image_error verdict. `partial`: the environment lacks install steps
   * (`--allow-partial-env`), so the verdict is marked env_partial.
   */
  imageFor: (task: TaskRecord) => string | { image: string; partial?: boolean } | Promise<string | { image: string; partial?: boolean }>;
  workers?: number;
  runId: string;
  /** Log folder name; default: the predictions' model_name_or_path. */
  model?: string;
  /** `logs/run_evaluation` root. */
  logRoot: string;
  /** Default per task: defaultProfileFor(task). */
  profile?: ProfileName;
  timeoutSec?: number;
  offline?: boolean;
  signal?: AbortSignal;
  /** Where the run summary goes; default `<logRoot>/<model>.<run_id>.json`. */
  summaryPath?: string;
  onProgress?: (event: { done: number; total: number; verdict: Verdict }) => void;
  onPhase?: (instanceId: string, phase: string, message: string) => void;
}

export interface RunEvaluationResult {
  summary: RunSummary;
  summaryPath: string;
  verdicts: Verdict[];
}

export async function runEvaluation(opts: RunEvaluationOptions): Promise<RunEvaluationResult> {
  const preds: Record<string, Prediction> = Array.isArray(opts.predictions)
    ? Object.fromEntries(opts.predictions.map((p) => [p.instance_id, p]))
    : opts.predictions;
  const taskIds = new Set(opts.tasks.map((t) => t.instance_id));
  const unknown = Object.keys(preds).filter((id) => !taskIds.has(id));
  if (unknown.length) throw new Error(`Some prediction IDs not found in dataset: ${unknown.join(' ')}`);
  const model = opts.model ?? Object.values(preds)[0]?.model_name_or_path ?? 'None';
  const todo = opts.tasks.filter((t) => preds[t.instance_id]);
  const verdicts: Verdict[] = [];
  const partialIds = new Set<string>();
  let done = 0;
  const finish = (v: Verdict) => {
    verdicts.push(v);
    done++;
    opts.onProgress?.({ done, total: todo.length, verdict: v });
  };

  const runOne = async (task: TaskRecord): Promise<Verdict> => {
    const pred = preds[task.instance_id];
    const profile = opts.profile ?? defaultProfileFor(task);
    const t0 = nowMs();
    const base = { instance_id: task.instance_id, profile, harness: harnessStamp(profile) };
    if (pred.model_patch === '' || pred.model_patch === null || pred.model_patch === undefined) {
      return { ...base, status: 'empty_patch', resolved: false, reason: 'empty patch', total_ms: 0 };
    }
    const logDir = instanceLogDir(opts.logRoot, opts.runId, pred.model_name_or_path ?? model, task.instance_id);
    let spec: EnvSpec;
    try {
      spec = await opts.specFor(task);
    } catch (e) {
      return { ...base, status: 'error', resolved: false, reason: `no environment spec: ${(e as Error).message}`, total_ms: Math.round(nowMs() - t0) };
    }
    let image: string;
    let partial = false;
    try {
      const got = await opts.imageFor(task);
      image = typeof got === 'string' ? got : got.image;
      partial = typeof got !== 'string' && !!got.partial;
    } catch (e) {
      return { ...base, status: 'image_error', resolved: false, reason: (e as Error).message, total_ms: Math.round(nowMs() - t0) };
    }
    if (partial) partialIds.add(task.instance_id);
    const verdict = await verifyPatch({
      task,
      patch: pred.model_patch,
      spec,
      profile,
      provider: opts.provider,
      image,
      logDir,
      timeoutSec: opts.timeoutSec,
      offline: opts.offline,
      signal: opts.signal,
      onPhase: opts.onPhase ? (p, m) => opts.onPhase!(task.instance_id, p, m) : undefined,
    });
    return partial ? { ...verdict, env_partial: true } : verdict;
  };

  await mapPool(todo, Math.max(1, opts.workers ?? 1), async (task) => {
    if (opts.signal?.aborted) return;
    finish(await runOne(task));
  });

  const profileForSummary = opts.profile ?? (opts.tasks[0] ? defaultProfileFor(opts.tasks[0]) : 'swegym');
  const summary = makeRunSummary({
    instanceIds: opts.tasks.map((t) => t.instance_id),
    predictions: preds,
    logRoot: opts.logRoot,
    runId: opts.runId,
    profile: profileForSummary,
  });
  if (partialIds.size) summary.env_partial_ids = opts.tasks.map((t) => t.instance_id).filter((id) => partialIds.has(id));
  const summaryPath = opts.summaryPath ?? join(opts.logRoot, runSummaryFileName(model, opts.runId));
  writeFileEnsured(summaryPath, pyJsonDumps(summary) + '\n');
  const order = new Map(opts.tasks.map((t, i) => [t.instance_id, i]));
  verdicts.sort((a, b) => (order.get(a.instance_id) ?? 0) - (order.get(b.instance_id) ?? 0));
  return { summary, summaryPath, verdicts };
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function mapPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
