import type { Line } from '../components/line.js';
import { seg, line } from '../components/line.js';
import type { RolloutViewModel, StepView } from '../state/rollout-view-model.js';
import { isLive } from '../state/rollout-view-model.js';
import { isShellTool } from '../state/tool-call.js';
import { scoreRole, verdictRole, type Role } from '../theme.js';
import { fmtCost, fmtDuration, fmtTokens, padEnd, parseDiff, safe, wrapLines } from '../text.js';

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
  for (const l of wrapLines(safe(task.problem_statement), width)) out.push(line(l));
  if (task.hints_text) {
    out.push(line('— hints —', 'muted'));
    for (const l of wrapLines(safe(task.hints_text), width)) out.push(line(l, 'muted'));
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

/** Lines of one step; cached per step object, so finished steps are never laid out again. */
export function stepLines(step: StepView, width: number, expanded: boolean): Line[] {
  const key = `${width}:${expanded ? 1 : 0}`;
  let byKey = stepCache.get(step);
  const hit = byKey?.get(key);
  if (hit) return hit;
  const [icon, role] = STATUS_ICON[step.status];
  const head: Line = [
    seg(`${icon} `, role),
    seg(`#${step.index + 1} `, 'title'),
    seg(step.tool ? `${step.tool.name} ` : 'message ', 'header'),
    seg(step.exitCode !== undefined ? `exit ${step.exitCode} ` : '', step.exitCode ? 'status.error' : 'muted'),
    seg(step.durationMs !== undefined ? fmtDuration(step.durationMs) : '', 'muted'),
  ];
  const out: Line[] = [head];
  const msgLines = wrapLines(step.message.trim(), width - 2).filter((l, i, a) => l !== '' || i < a.length - 1);
  const maxMsg = expanded ? Infinity : 2;
  const maxArgs = expanded ? Infinity : 2;
  for (const l of msgLines.slice(0, maxMsg)) out.push([seg('  '), seg(l)]);
  if (msgLines.length > maxMsg) out.push(line(`  … ${msgLines.length - maxMsg} more lines`, 'muted'));
  if (step.tool) out.push(...callLines(step.tool, width, maxArgs));
  if (expanded && step.observation) {
    out.push(line('  ── observation ──', 'muted'));
    for (const l of wrapLines(step.observation, width - 2)) out.push([seg('  '), seg(l, 'muted')]);
  }
  if (!byKey) stepCache.set(step, (byKey = new Map()));
  byKey.set(key, out);
  return out;
}

/** A tool call as it reads: `$ command` for the shell, `view /path` and -/+ lines for the editor. */
function callLines(tool: NonNullable<StepView['tool']>, width: number, max: number): Line[] {
  const out: Line[] = [];
  const shell = isShellTool(tool.name);
  const summary = tool.args ? wrapLines(tool.args, width - 4) : [];
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

export function actionLines(vm: RolloutViewModel, width: number, selected: number): ActionLines {
  const lines: Line[] = [];
  let selectedStart = 0;
  vm.steps.forEach((st, i) => {
    if (i === selected) selectedStart = lines.length;
    lines.push(...stepLines(st, width, i === selected));
  });
  if (vm.streaming || vm.streamingTool) {
    if (selected >= vm.steps.length) selectedStart = lines.length;
    lines.push([seg('… ', 'status.running'), seg(`#${vm.steps.length + 1} `, 'title'), seg(vm.streamingTool ? `${vm.streamingTool} (streaming)` : 'streaming', 'header')]);
    for (const l of wrapLines(vm.streaming, width - 2).slice(-20)) lines.push([seg('  '), seg(l)]);
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

export function verdictLabel(vm: RolloutViewModel): { text: string; role: Role } {
  if (vm.verdict) return { text: vm.verdict.status.toUpperCase().replace(/_/g, ' '), role: verdictRole(vm.verdict.status) };
  if (vm.phase === 'verifying') return { text: 'VERIFYING…', role: 'verdict.pending' };
  if (vm.phase === 'infra_error' || vm.phase === 'no_image') return { text: vm.phase.toUpperCase().replace('_', ' '), role: 'verdict.error' };
  if (vm.phase === 'interrupted') return { text: 'INTERRUPTED', role: 'verdict.error' };
  return { text: isLive(vm) ? 'RUNNING' : 'NO VERDICT', role: 'verdict.pending' };
}

export function scoreLines(vm: RolloutViewModel, width: number): Line[] {
  const v = verdictLabel(vm);
  const out: Line[] = [[seg('verdict  '), seg(v.text, v.role), seg(vm.verdict?.reason ? `  ${safe(vm.verdict.reason)}` : '', 'muted')]];
  if (vm.tests.length) {
    const f2p = vm.tests.filter((t) => t.kind === 'F2P');
    const p2p = vm.tests.filter((t) => t.kind === 'P2P');
    const ok = (ts: typeof f2p) => ts.filter((t) => t.passed).length;
    out.push([
      seg('tests    '),
      seg(`F2P ${ok(f2p)}/${f2p.length}`, ok(f2p) === f2p.length ? 'status.ok' : 'status.error'),
      seg('  '),
      seg(`P2P ${ok(p2p)}/${p2p.length}`, ok(p2p) === p2p.length ? 'status.ok' : 'status.error'),
    ]);
  }
  for (const [name, s] of Object.entries(vm.scores)) {
    // "score <verifier>": a verifier may be named like a row of this pane (the `tests` verifier).
    out.push([seg('score    '), seg(`${name} `, 'title'), seg(s.score.toFixed(2), scoreRole(s.score)), seg(s.flags.length ? `  [${s.flags.join(', ')}]` : '', 'warn'), seg(s.explanation ? `  ${s.explanation.split('\n')[0]}` : '', 'muted')]);
  }
  out.push([seg('stop     '), seg(vm.stopReason ?? (isLive(vm) ? '-' : 'n/a'), vm.stopReason && vm.stopReason !== 'finished' ? 'warn' : undefined), seg(vm.stopMessage ? `  ${vm.stopMessage.split('\n')[0]}` : '', 'muted')]);
  out.push([
    seg('tokens   '),
    seg(`${fmtTokens(vm.promptTokens)} in / ${fmtTokens(vm.completionTokens)} out${vm.tokensEstimated ? ' (est.)' : ''}`),
    seg('  cost '),
    seg(fmtCost(vm.costUsd)),
    seg(`  turns ${vm.turns}`, 'muted'),
  ]);
  if (vm.error) for (const l of wrapLines(`error: ${vm.error}`, width)) out.push(line(l, 'status.error'));
  if (vm.tests.length) {
    out.push(line('── tests ──', 'muted'));
    for (const t of vm.tests) {
      out.push([seg(t.passed ? '✓ ' : '✗ ', t.passed ? 'status.ok' : 'status.error'), seg(`${t.kind} `, 'muted'), seg(t.name, t.passed ? undefined : 'status.error'), seg(t.status ? `  ${t.status}` : '', 'muted')]);
    }
  }
  return out;
}
