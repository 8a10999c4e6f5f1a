import type { Line } from '../components/line.js';
import { line, seg } from '../components/line.js';
import type { MoatlessView } from '../state/moatless-view.js';
import { wordWrap } from '../fit.js';

/**
 * The Moatless pane of the rollout view (it takes the shell pane's place: a Moatless rollout runs no commands):
 * where the state machine is, the re-asks, the retrieval backend, the file context the agent identified, the plan,
 * the last search and the edits, most important first (the pane opens at its top). Pure; the view model's strings are sanitised already.
 */

const FLOW: [state: string, long: string, short: string][] = [
  ['SearchCode', 'search', 'S'],
  ['IdentifyCode', 'identify', 'I'],
  ['DecideRelevance', 'decide', 'D'],
  ['PlanToCode', 'plan', 'P'],
  ['ClarifyCodeChange', 'clarify', 'C'],
  ['EditCode', 'edit', 'E'],
];

function flowLine(m: MoatlessView, width: number): Line {
  const done = m.state === 'Finished' || m.state === 'Rejected';
  const build = (pick: (f: (typeof FLOW)[number]) => string, sep: string): Line => {
    const out: Line = [];
    FLOW.forEach((f, i) => {
      if (i) out.push(seg(sep, 'muted'));
      const label = pick(f);
      if (f[0] === m.state) out.push(seg(`[${label}]`, 'focus'));
      else out.push(seg(label, m.visits[f[0]] ? 'text' : 'muted'));
    });
    if (done) out.push(seg(m.state === 'Finished' ? '  ✓ finished' : '  ✗ rejected', m.state === 'Finished' ? 'status.ok' : 'status.error'));
    return out;
  };
  const full = build((f) => f[1], ' › ');
  const len = full.reduce((a, s) => a + [...s.text].length, 0);
  return len <= width ? full : build((f) => f[2], ' ');
}

function wrapped(label: string, text: string, width: number, maxLines: number, role?: 'text' | 'muted' | 'status.error'): Line[] {
  const lines = wordWrap(text, Math.max(1, width - label.length));
  const out: Line[] = lines.slice(0, maxLines).map((l, i) => [seg(i === 0 ? label : ' '.repeat(label.length), 'muted'), seg(l, role)]);
  if (lines.length > maxLines && out.length) out[out.length - 1]!.push(seg(' …', 'muted'));
  return out;
}

export function moatlessLines(m: MoatlessView | undefined, width: number): Line[] {
  if (!m) return [line('(no Moatless events yet)', 'muted')];
  const out: Line[] = [flowLine(m, width)];
  out.push([
    seg('transition ', 'muted'), seg(String(m.transitions)),
    seg('  re-asks ', 'muted'), seg(String(m.reasks), m.reasks ? 'warn' : 'text'),
    seg('  retries ', 'muted'), seg(String(m.retries), m.retries ? 'warn' : 'text'),
  ]);
  out.push([seg('retrieval ', 'muted'), seg(m.backend ?? '?'), ...(m.indexedFiles !== undefined ? [seg(` · ${m.indexedFiles} files indexed`, 'muted')] : [])]);
  out.push(line(`— file context${m.context.length ? ` (${m.context.reduce((a, c) => a + c.spanIds.length, 0)} spans)` : ''} —`, 'title'));
  if (!m.context.length) out.push(line('(nothing identified yet)', 'muted'));
  for (const c of m.context) out.push(...wrapped('', `${c.file}: ${c.spanIds.join(', ')}`, width, 2));
  if (m.plan) {
    const p = m.plan;
    out.push(line('— plan —', 'title'));
    const where = p.file ? ` ${p.file}${p.spanId ? ` ${p.spanId}` : ''}${p.lines ? ` ${p.lines[0]}-${p.lines[1]}` : ''}` : '';
    out.push(...wrapped('', `${p.action}${where}${p.next ? ` → ${p.next}` : ''}${p.instructions ? `: ${p.instructions}` : ''}`, width, 3));
  }
  if (m.lastSearch) {
    out.push(line('— last search —', 'title'));
    const s = m.lastSearch;
    out.push(...wrapped(s.kind === 'initial_context' ? 'context ' : 'search  ', `${s.requests.join('; ')} → ${s.spans} span(s) in ${s.files} file(s)`, width, 2));
  }
  if (m.edits.length) {
    out.push(line(`— edits (${m.edits.length}) —`, 'title'));
    for (const e of m.edits) {
      const lint = e.lint === null ? ', lint n/a' : e.lint ? `, ${e.lint} lint` : '';
      out.push([
        seg(e.applied ? '✓ ' : '✗ ', e.applied ? 'status.ok' : 'status.error'),
        seg(`${e.file} ${e.startLine}-${e.endLine} `),
        seg(`+${e.added}`, 'diff.add'), seg(' '), seg(`-${e.removed}`, 'diff.del'),
        ...(e.error ? [seg(` ${e.error}`, 'status.error')] : []),
        ...(lint ? [seg(lint, 'muted')] : []),
      ]);
    }
  }
  return out;
}
