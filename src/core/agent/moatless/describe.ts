/**
 * One readable text per Moatless event, shared by the plain printer, `swegym show` and the workbench's log pane.
 * Everything from the model or the repository goes through the sanitiser.
 */
import type { EventOf } from '../../events.js';
import { sanitize } from '../../util/sanitize.js';

export type MoatlessEvent = EventOf<
  'moatless_setup' | 'moatless_transition' | 'moatless_action' | 'moatless_search' | 'moatless_spans' | 'moatless_plan' | 'moatless_edit' | 'moatless_prompt_log'
>;

const clip = (s: string, n: number) => {
  const t = sanitize(s).replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n - 3) + '...' : t;
};

function spansText(files: { file_path: string; span_ids: string[] }[], max = 6): string {
  const parts = files.map((f) => `${sanitize(f.file_path)}[${f.span_ids.map(sanitize).join(', ')}]`);
  return parts.length > max ? `${parts.slice(0, max).join(' ')} (+${parts.length - max} files)` : parts.join(' ');
}

export function requestText(r: Record<string, unknown>): string {
  const bits: string[] = [];
  if (r.query) bits.push(`query "${clip(String(r.query), 80)}"`);
  if (r.code_snippet) bits.push(`code "${clip(String(r.code_snippet), 60)}"`);
  if (Array.isArray(r.class_names) && r.class_names.length) bits.push(`class ${r.class_names.map((x) => sanitize(String(x))).join(',')}`);
  if (Array.isArray(r.function_names) && r.function_names.length) bits.push(`function ${r.function_names.map((x) => sanitize(String(x))).join(',')}`);
  if (r.file_pattern) bits.push(`in ${sanitize(String(r.file_pattern))}`);
  return bits.join(' ') || '(no search attributes)';
}

/** Returns undefined for events not worth a line (the prompt-log marker). */
export function describeMoatlessEvent(e: MoatlessEvent): string | undefined {
  switch (e.type) {
    case 'moatless_setup': {
      const fixed = Object.entries(e.quirks)
        .filter(([, kept]) => !kept)
        .map(([k]) => k);
      return `moatless: retrieval ${sanitize(e.retrieval_backend)}${e.indexed_files !== undefined ? `, ${e.indexed_files} files indexed` : ''}${e.index_ms !== undefined ? ` in ${Math.round(e.index_ms)} ms` : ''}; quirks of the fork ${fixed.length ? `kept except ${fixed.join(', ')}` : 'all kept'}`;
    }
    case 'moatless_transition':
      return `[${e.transition}] ${e.from ? `${e.from} --${e.trigger ?? ''}--> ` : ''}${e.state}${e.message ? `: ${clip(e.message, 160)}` : ''}`;
    case 'moatless_action': {
      const body = typeof e.action === 'string' ? clip(e.action, 160) : clip(String((e.action as Record<string, unknown>).scratch_pad ?? ''), 160);
      const what = e.retry_message ? `retry: ${clip(e.retry_message, 160)}` : e.trigger ? `-> ${e.trigger}` : 'stays';
      return `[${e.transition}] ${e.state} ${e.action_name}${e.attempts > 1 ? ` (after ${e.attempts - 1} re-ask${e.attempts > 2 ? 's' : ''})` : ''}: ${body} ${what}`;
    }
    case 'moatless_search': {
      const hits = e.hits.filter((h) => h.span_ids.length);
      const n = hits.reduce((a, h) => a + h.span_ids.length, 0);
      const reqs = e.kind === 'initial_context' ? 'issue text' : e.requests.map(requestText).join('; ');
      return `[${e.transition}] ${e.kind === 'initial_context' ? 'initial context' : 'search'} (${sanitize(e.backend)}): ${reqs} -> ${n} span(s) in ${hits.length} file(s)${hits.length ? ': ' + spansText(hits, 4) : ''}`;
    }
    case 'moatless_spans':
      return `[${e.transition}] identified ${spansText(e.identified)}`;
    case 'moatless_plan': {
      const where = e.file_path ? ` ${sanitize(e.file_path)}${e.span_id ? ` span ${sanitize(e.span_id)}` : ''}${e.start_line !== undefined ? ` lines ${e.start_line}-${e.end_line}` : ''}` : '';
      return `[${e.transition}] plan ${sanitize(e.action)}${where}${e.next ? ` -> ${e.next}` : ''}${e.instructions ? `: ${clip(e.instructions, 200)}` : ''}`;
    }
    case 'moatless_edit': {
      const lint = e.lint === null ? ', lint unavailable' : e.lint && e.lint.length ? `, ${e.lint.length} new lint error(s)` : '';
      const head = `[${e.transition}] edit ${sanitize(e.file_path)} lines ${e.start_line}-${e.end_line}: ${e.applied ? 'applied' : 'not applied'}${e.error ? ` (${clip(e.error, 160)})` : ''}${lint}`;
      return e.diff ? `${head}\n${sanitize(e.diff).replace(/\n+$/, '')}` : head;
    }
    case 'moatless_prompt_log':
      return undefined;
  }
}
