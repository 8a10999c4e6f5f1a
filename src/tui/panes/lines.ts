import type { Line } from '../components/line.js';
import { seg, line } from '../components/line.js';
import type { RolloutViewModel, StepView } from '../state/rollout-view-model.js';
import { isLive } from '../state/rollout-view-model.js';
import { isShellTool } from '../state/tool-call.js';
import { scoreRole, verdictRole, type Role } from '../theme.js';
import { fmtCost, fmtDuration, fmtTokens, parseDiff, safe, wrapLines } from '../text.js';
import { wordWrap } from '../fit.js';

/** Pure builders of the rollout view's pane contents. All untrusted text passes through `safe` (sanitize). */

export interface TaskInfo {
  instance_id: string;
  repo: string;
  version: string;
  problem_statement: string;
  hints_text?: string;
  patch: string;
  test_patch: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  base_commit?: string;
}

export function taskLines(task: TaskInfo | undefined, width: number): Line[] {
  if (!task) return [line('(task not loaded)', 'muted')];
  const out: Line[] = [
    [seg(safe(task.repo), 'title'), seg(`  v${safe(task.version)}`, 'muted'), seg(`  F2P ${task.FAIL_TO_PASS.length} · P2P ${task.PASS_TO_PASS.length}`, 'muted')],
  ];
  for (const l of wordWrap(safe(task.problem_statement), width)) out.push(line(l));
  if (task.hints_text) {
    out.push(line('— hints —', 'muted'));
    for (const l of wordWrap(safe(task.hints_text), width)) out.push(line(l, 'muted'));
  }
  // The tests that decide the verdict, before verification has run (full ids, wrapped).
  if (task.FAIL_TO_PASS.length) {
    out.push(line('— FAIL_TO_PASS —', 'muted'));
    for (const t of task.FAIL_TO_PASS) for (const l of wrapLines(safe(t), width)) out.push(line(l, 'muted'));
  }
  return out;
}

const STATUS_ICON: Record<StepView['status'], [string, Role]> = {
  thinking: ['…', 'status.running'],
  pending: ['·', 'muted'],
  running: ['▶', 'status.running'],
  ok: ['✓', 'status.ok'],
  error: ['✗', 'status.error'],
  timeout: ['⏱', 'status.error'],
  done: ['•', 'muted'],
};

const stepCache = new WeakMap<StepView, Map<string, Line[]>>();

/** A step still in flight: its lines change with the clock (the running timer), so they are never cached. */
const inFlight = (st: StepView): boolean => st.status === 'running' || st.status === 'pending' || st.status === 'thinking';

/** The icon of a step: a non-zero exit (137: killed) is a failure whatever the tool reported. */
function stepIcon(step: StepView): [string, Role] {
  if (step.status === 'ok' && step.exitCode !== undefined && step.exitCode !== 0) return STATUS_ICON.error;
  return STATUS_ICON[step.status];
}

/** The model call behind a step, in one muted run: latency, prompt+completion tokens, cost. */
function modelFigures(step: StepView): string {
  if (step.modelMs === undefined && step.promptTokens === undefined) return '';
  const tok = step.promptTokens !== undefined ? ` ${fmtTokens(step.promptTokens)}+${fmtTokens(step.completionTokens ?? 0)} tok` : '';
  return ` · model ${fmtDuration(step.modelMs)}${tok}${step.costUsd ? ` ${fmtCost(step.costUsd)}` : ''}`;
}

/** Lines of one step; cached per step object, so finished steps are never laid out again. `now` times a running step. */
export function stepLines(step: StepView, width: number, expanded: boolean, now = Date.now()): Line[] {
  const key = `${width}:${expanded ? 1 : 0}`;
  const cacheable = !inFlight(step);
  let byKey = stepCache.get(step);
  const hit = cacheable ? byKey?.get(key) : undefined;
  if (hit) return hit;
  const [icon, role] = stepIcon(step);
  const running = step.status === 'running' && step.toolStartedTs !== undefined ? now - step.toolStartedTs : undefined;
  const head: Line = [
    seg(`${icon} `, role),
    seg(`#${step.index + 1} `, 'title'),
    seg(step.tool ? `${step.tool.name} ` : 'message ', 'header'),
    seg(step.exitCode !== undefined ? `exit ${step.exitCode} ` : '', step.exitCode ? 'status.error' : 'muted'),
    seg(running !== undefined ? fmtDuration(running) : step.durationMs !== undefined ? fmtDuration(step.durationMs) : '', running !== undefined ? 'status.running' : 'muted'),
    seg(modelFigures(step), 'muted'),
  ];
  const out: Line[] = [head];
  const msgLines = wordWrap(step.message.trim(), width - 2).filter((l, i, a) => l !== '' || i < a.length - 1);
  const maxMsg = expanded ? Infinity : 2;
  const maxArgs = expanded ? Infinity : 2;
  for (const l of msgLines.slice(0, maxMsg)) out.push([seg('  '), seg(l)]);
  if (msgLines.length > maxMsg) out.push(line(`  … ${msgLines.length - maxMsg} more lines`, 'muted'));
  if (step.tool) out.push(...callLines(step.tool, width, maxArgs));
  if (expanded && step.observation) {
    out.push(line('  ── observation ──', 'muted'));
    for (const l of wrapLines(step.observation, width - 2)) out.push([seg('  '), seg(l, 'muted')]);
  }
  if (!cacheable) return out;
  if (!byKey) stepCache.set(step, (byKey = new Map()));
  byKey.set(key, out);
  return out;
}

/** A tool call as it reads: `$ command` for the shell, `view /path` and -/+ lines for the editor. */
function callLines(tool: NonNullable<StepView['tool']>, width: number, max: number): Line[] {
  const out: Line[] = [];
  const shell = isShellTool(tool.name);
  const summary = tool.args ? wordWrap(tool.args, width - 4) : [];
  summary.slice(0, max).forEach((l, i) => {
    if (shell) out.push([seg(i ? '    ' : '  $ ', 'muted'), seg(l, 'diff.hunk')]);
    else if (i === 0) {
      const sp = l.indexOf(' ');
      // Editor calls: the command stands out, the path follows.
      out.push(tool.name === 'str_replace_editor' && sp > 0 ? [seg('  '), seg(l.slice(0, sp), 'title'), seg(l.slice(sp))] : [seg('  '), seg(l)]);
    } else out.push([seg('    '), seg(l)]);
  });
  if (summary.length > max) out.push(line(`    … ${summary.length - max} more lines`, 'muted'));
  const detail = (tool.detail ?? []).flatMap((d) => wrapLines(d, width - 4));
  detail.slice(0, max).forEach((l) => out.push([seg('    '), seg(l, l.startsWith('- ') ? 'diff.del' : l.startsWith('+ ') ? 'diff.add' : undefined)]));
  if (detail.length > max) out.push(line(`    … ${detail.length - max} more lines`, 'muted'));
  return out;
}

export interface ActionLines { lines: Line[]; selectedStart: number }

export function actionLines(vm: RolloutViewModel, width: number, selected: number, now = Date.now()): ActionLines {
  const lines: Line[] = [];
  let selectedStart = 0;
  vm.steps.forEach((st, i) => {
    if (i === selected) selectedStart = lines.length;
    lines.push(...stepLines(st, width, i === selected, now));
  });
  if (vm.streaming || vm.streamingTool) {
    if (selected >= vm.steps.length) selectedStart = lines.length;
    lines.push([seg('… ', 'status.running'), seg(`#${vm.steps.length + 1} `, 'title'), seg(vm.streamingTool ? `${vm.streamingTool} (streaming)` : 'streaming', 'header')]);
    // Only the tail is shown (20 rows): wrap just enough of it, not the whole 16 kB stream, on every frame.
    const tail = vm.streaming.length > width * 60 ? vm.streaming.slice(-width * 60) : vm.streaming;
    for (const l of wordWrap(tail, width - 2).slice(-20)) lines.push([seg('  '), seg(l)]);
  }
  if (lines.length === 0) lines.push(line(isLive(vm) ? 'waiting for the first step…' : 'no steps', 'muted'));
  return { lines, selectedStart };
}

export function shellLines(vm: RolloutViewModel, width: number, selected: number, follow: boolean): Line[] {
  const step = vm.steps[selected];
  // While following a live rollout, show the live tail; when stepping through history, the step's own output.
  let text = vm.shell;
  if (!follow && step) {
    if (!isShellTool(step.tool?.name)) {
      const what = step.tool ? `a ${step.tool.name} call` : 'a message';
      return wrapLines(`step ${selected + 1} is ${what}, not a shell command: the agent pane shows it`, width).map((l) => line(l, 'muted'));
    }
    text = `${(step.tool?.args ?? '').split('\n').map((l, j) => `${j ? '> ' : '$ '}${l}`).join('\n')}\n${step.observation ?? '(no output)'}`;
  }
  if (!text) return [line(vm.containerId ? '(no command run yet)' : '(no container yet)', 'muted')];
  return wrapLines(text.replace(/\n$/, ''), width).map((l) => (l.startsWith('$ ') || l.startsWith('> ') ? line(l, 'diff.hunk') : line(l)));
}

export type PatchKind = 'model' | 'gold' | 'test';

export function diffLines(patch: string, width: number): Line[] {
  if (!patch.trim()) return [line('(empty patch)', 'muted')];
  const parsed = parseDiff(safe(patch));
  const maxNo = parsed.reduce((m, d) => Math.max(m, d.newNo ?? 0, d.oldNo ?? 0), 0);
  const w = Math.max(3, String(maxNo).length);
  const out: Line[] = [];
  for (const d of parsed) {
    if (d.kind === 'file') out.push(line(d.text, 'diff.file'));
    else if (d.kind === 'hunk') out.push(line(d.text, 'diff.hunk'));
    else if (d.kind === 'meta') out.push(line(d.text, 'muted'));
    else {
      const no = d.kind === 'del' ? d.oldNo : d.newNo;
      const role: Role | undefined = d.kind === 'add' ? 'diff.add' : d.kind === 'del' ? 'diff.del' : undefined;
      const body = d.text.length > width * 4 ? `${d.text.slice(0, width * 4)}…` : d.text;
      out.push([seg(`${String(no ?? '').padStart(w)} `, 'diff.lineno'), seg(body, role)]);
    }
  }
  return out;
}

/** The rollout failed before a verdict could mean anything (the model call, the environment, the harness). */
export function failureOf(vm: RolloutViewModel): string | undefined {
  if (vm.error) return vm.error;
  if (vm.stopReason === 'error') return vm.stopMessage || 'the agent stopped with an error';
  return undefined;
}

/**
 * The headline: an error is the headline when it is why there is no patch (a failed model call is not an "EMPTY
 * PATCH"); otherwise the verdict, or the phase while there is none.
 */
export function verdictLabel(vm: RolloutViewModel): { text: string; role: Role } {
  const failed = failureOf(vm);
  if (failed && (!vm.verdict || vm.verdict.status === 'empty_patch' || vm.verdict.status === 'error')) return { text: 'ERROR', role: 'verdict.error' };
  if (vm.verdict) return { text: vm.verdict.status.toUpperCase().replace(/_/g, ' '), role: verdictRole(vm.verdict.status) };
  if (vm.phase === 'verifying') return { text: 'VERIFYING…', role: 'verdict.pending' };
  if (vm.phase === 'infra_error' || vm.phase === 'no_image') return { text: vm.phase.toUpperCase().replace('_', ' '), role: 'verdict.error' };
  if (vm.phase === 'interrupted') return { text: 'INTERRUPTED', role: 'verdict.error' };
  return { text: isLive(vm) ? 'RUNNING' : 'NO VERDICT', role: 'verdict.pending' };
}

/** The failing tests of the verdict, F2P first (they decide "resolved"), in full. */
export function failingTests(vm: RolloutViewModel): RolloutViewModel['tests'] {
  const order = { F2P: 0, P2P: 1, P2F: 2, F2F: 3 } as const;
  return vm.tests.filter((t) => !t.passed).sort((a, b) => order[a.kind] - order[b.kind]);
}

/** A labelled row whose text wraps under itself (never cut): `label  text…` / `         …text`. */
function wrapped(label: string, text: string, width: number, role?: Role, labelRole?: Role): Line[] {
  const pad = ' '.repeat(label.length);
  return wordWrap(text, Math.max(8, width - label.length)).map((l, i) => [seg(i ? pad : label, i ? undefined : labelRole), seg(l, role)]);
}

/**
 * The scores pane, failure first: the headline with its reason, the error, the failing tests (full ids, wrapped),
 * then the counts, scores, stop reason and usage, then the passing tests.
 */
export function scoreLines(vm: RolloutViewModel, width: number): Line[] {
  const v = verdictLabel(vm);
  const failed = failureOf(vm);
  const out: Line[] = [[seg('verdict  '), seg(v.text, v.role), seg(v.text === 'ERROR' && vm.verdict ? `  (${vm.verdict.status.replace(/_/g, ' ')})` : '', 'muted')]];
  if (vm.verdict?.reason) out.push(...wrapped('         ', safe(vm.verdict.reason), width, 'muted'));
  // Fields other parts of the engine add to a verdict, shown when present.
  const tamper = vm.verdict?.tamper;
  if (tamper) out.push(...wrapped('tamper   ', `the patch touches what grades it: ${tamper.files.map((f) => `${safe(f.path)} (${f.reason})`).join(', ')}`, width, 'status.error', 'status.error'));
  if (vm.verdict?.env_partial) out.push(...wrapped('env      ', 'partial: built without install steps it needed; this verdict may differ from the official one', width, 'warn', 'warn'));
  if (vm.verdict?.harness) out.push([seg('harness  '), seg(`${vm.verdict.harness.profile} = ${safe(vm.verdict.harness.official)}`, 'muted')]);
  if (vm.retrieval) out.push([seg('retrieval'), seg(` ${vm.retrieval}`, 'muted')]);
  if (failed) out.push(...wrapped('error    ', failed, width, 'status.error', 'status.error'));
  const failing = failingTests(vm);
  for (const t of failing) out.push(...wrapped(`✗ ${t.kind} `, t.name + (t.status ? `  ${t.status}` : ''), width, 'status.error', 'status.error'));
  if (vm.tests.length) {
    const f2p = vm.tests.filter((t) => t.kind === 'F2P');
    const p2p = vm.tests.filter((t) => t.kind === 'P2P');
    const ok = (ts: typeof f2p) => ts.filter((t) => t.passed).length;
    out.push([
      seg('tests    '),
      seg(`F2P ${ok(f2p)}/${f2p.length}`, ok(f2p) === f2p.length ? 'status.ok' : 'status.error'),
      seg('  '),
      seg(`P2P ${ok(p2p)}/${p2p.length}`, ok(p2p) === p2p.length ? 'status.ok' : 'status.error'),
      seg(failing.length ? '  t: test log at the first failure' : '', 'muted'),
    ]);
  }
  for (const [name, sc] of Object.entries(vm.scores)) {
    // "score <verifier>": a verifier may be named like a row of this pane (the `tests` verifier).
    out.push([seg('score    '), seg(`${name} `, 'title'), seg(sc.score.toFixed(2), scoreRole(sc.score)), seg(sc.flags.length ? `  [${sc.flags.join(', ')}]` : '', 'warn'), seg(sc.explanation ? `  ${sc.explanation.split('\n')[0]}` : '', 'muted')]);
  }
  const stopRole: Role | undefined = vm.stopReason && vm.stopReason !== 'finished' ? 'warn' : undefined;
  const stopLabel = vm.stopReason ?? (isLive(vm) ? '-' : 'n/a');
  if (vm.stopReason === 'error' && failed === vm.stopMessage) out.push([seg('stop     '), seg('error', stopRole), seg('  (the error above)', 'muted')]);
  else {
    const room = Math.max(8, width - 9 - stopLabel.length - 2);
    const msg = vm.stopMessage ? wordWrap(vm.stopMessage, room) : [];
    out.push([seg('stop     '), seg(stopLabel, stopRole), seg(msg[0] ? `  ${msg[0]}` : '', 'muted')]);
    for (const l of msg.slice(1)) out.push([seg(' '.repeat(9 + stopLabel.length + 2)), seg(l, 'muted')]);
  }
  out.push([
    seg('tokens   '),
    seg(`${fmtTokens(vm.promptTokens)} in / ${fmtTokens(vm.completionTokens)} out${vm.tokensEstimated ? ' (est.)' : ''}`),
    seg('  cost '),
    seg(fmtCost(vm.costUsd)),
    seg(`  turns ${vm.turns}`, 'muted'),
  ]);
  const passing = vm.tests.filter((t) => t.passed);
  if (passing.length) {
    out.push(line('── passing tests ──', 'muted'));
    for (const t of passing) out.push([seg('✓ ', 'status.ok'), seg(`${t.kind} `, 'muted'), seg(t.name), seg(t.status ? `  ${t.status}` : '', 'muted')]);
  }
  return out;
}

/**
 * A patch for a narrow box: each file as one line (`▸ path +a −d`), then its hunks; the git header lines (diff --git,
 * index, ---, +++) are dropped, since at 80x24 they would fill the box before the change shows.
 */
export function hunkFirstLines(patch: string, width: number): Line[] {
  if (!patch.trim()) return [line('(empty patch)', 'muted')];
  const parsed = parseDiff(safe(patch));
  const out: Line[] = [];
  let file: { line: Line; add: number; del: number } | undefined;
  const close = () => {
    // The counts go right after the path, before a hunk header that shares the line.
    if (file) file.line.splice(2, 0, seg(` +${file.add}`, 'diff.add'), seg(` −${file.del}`, 'diff.del'));
  };
  // Leading context of a hunk beyond one line is held back until a change shows it is needed: the change comes first.
  let lead: Line[] = [];
  let inLead = false;
  for (const d of parsed) {
    if (inLead && d.kind === 'ctx') {
      lead.push(line(d.text));
      continue;
    }
    if (inLead) {
      // The hunk header says where; the leading context is dropped so the change itself is on screen.
      lead = [];
      inLead = false;
    }
    if (d.kind === 'file') {
      const m = /^diff --git a\/(\S+) b\/(\S+)/.exec(d.text);
      if (!m) continue;
      close();
      file = { line: [seg('▸ ', 'diff.file'), seg(m[2]!, 'diff.file')], add: 0, del: 0 };
      out.push(file.line);
      continue;
    }
    if (d.kind === 'meta' && /^(index |new file|deleted file|similarity|rename )/.test(d.text)) continue;
    if (d.kind === 'hunk') {
      // The first hunk of a file shares the file's line (one row more for the change in a 3-row box).
      if (file && out[out.length - 1] === file.line && !file.line.some((x) => x.role === 'diff.hunk')) file.line.push(seg('  '), seg(d.text, 'diff.hunk'));
      else out.push(line(d.text, 'diff.hunk'));
      inLead = true;
    } else if (d.kind === 'add') {
      if (file) file.add++;
      out.push(line(d.text, 'diff.add'));
    } else if (d.kind === 'del') {
      if (file) file.del++;
      out.push(line(d.text, 'diff.del'));
    } else out.push(line(d.text, d.kind === 'meta' ? 'muted' : undefined));
  }
  close();
  return out.map((l) => l.map((sg) => ({ ...sg, text: sg.text.length > width * 4 ? `${sg.text.slice(0, width * 4)}…` : sg.text })));
}

/** Candidate a against candidate b: the lines of their patches that differ (`<` only in a, `>` only in b). */
export function patchVsPatch(a: string, b: string, changes: Array<{ value: string; added?: boolean; removed?: boolean }>): Line[] {
  if (normalizeForCompare(a) === normalizeForCompare(b)) return [line('the two patches make the same change', 'muted')];
  const out: Line[] = [];
  for (const c of changes) {
    if (!c.added && !c.removed) continue;
    for (const l of c.value.replace(/\n$/, '').split('\n')) {
      if (/^(index |diff --git )/.test(l)) continue;
      out.push([seg(c.removed ? '< ' : '> ', c.removed ? 'diff.del' : 'diff.add'), seg(safe(l), c.removed ? 'diff.del' : 'diff.add')]);
    }
  }
  return out.length ? out : [line('the patches differ only in git header lines', 'muted')];
}

const normalizeForCompare = (p: string): string => p.split('\n').filter((l) => !l.startsWith('index ')).map((l) => l.trimEnd()).join('\n');
