/**
 * What the workbench's Moatless pane shows, folded from the `moatless_*` events (pure, sanitised on the way in): where
 * the state machine is, the file context the agent identified, the last search and its backend, the plan, the edits,
 * and how often the model had to be asked again.
 */
import { requestText, type MoatlessEvent } from '../../core/agent/index.js';
import { sanitize } from '../../core/util/index.js';

export interface MoatlessEditView {
  file: string;
  startLine: number;
  endLine: number;
  applied: boolean;
  error?: string;
  added: number;
  removed: number;
  lint?: number | null;
}

export interface MoatlessView {
  /** The state entered last (SearchCode ... Finished/Rejected) and the fork's transition counter. */
  state?: string;
  transitions: number;
  /** Times each state was entered. */
  visits: Record<string, number>;
  /** Re-asks after an invalid JSON reply (instructor's retries) and actions sent back with a retry message. */
  reasks: number;
  retries: number;
  /** Semantic search backend (bm25, embeddings:<model>). */
  backend?: string;
  indexedFiles?: number;
  lastSearch?: { kind: 'initial_context' | 'search'; requests: string[]; files: number; spans: number };
  /** The file context: identified spans by file, in the order they were first identified. */
  context: { file: string; spanIds: string[] }[];
  plan?: { action: string; file?: string; spanId?: string; lines?: [number, number]; instructions?: string; next?: string };
  edits: MoatlessEditView[];
}

const EDITS_KEPT = 20;

export function initialMoatlessView(): MoatlessView {
  return { transitions: 0, visits: {}, reasks: 0, retries: 0, context: [], edits: [] };
}

function diffCounts(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of diff.split('\n')) {
    if (l.startsWith('+') && !l.startsWith('+++')) added++;
    else if (l.startsWith('-') && !l.startsWith('---')) removed++;
  }
  return { added, removed };
}

export function foldMoatless(prev: MoatlessView | undefined, e: MoatlessEvent): MoatlessView {
  const m = prev ?? initialMoatlessView();
  switch (e.type) {
    case 'moatless_setup':
      return { ...m, backend: sanitize(e.retrieval_backend), indexedFiles: e.indexed_files };
    case 'moatless_transition': {
      const state = sanitize(e.state);
      return { ...m, state, transitions: e.transition, visits: { ...m.visits, [state]: (m.visits[state] ?? 0) + 1 } };
    }
    case 'moatless_action':
      return { ...m, reasks: m.reasks + Math.max(0, e.attempts - 1), retries: m.retries + (e.retry_message !== undefined ? 1 : 0) };
    case 'moatless_search': {
      const hits = e.hits.filter((h) => h.span_ids.length);
      return {
        ...m,
        backend: m.backend ?? sanitize(e.backend),
        lastSearch: {
          kind: e.kind,
          requests: e.kind === 'initial_context' ? ['issue text'] : e.requests.map(requestText),
          files: hits.length,
          spans: hits.reduce((a, h) => a + h.span_ids.length, 0),
        },
      };
    }
    case 'moatless_spans': {
      const context = m.context.map((c) => ({ ...c, spanIds: [...c.spanIds] }));
      for (const f of e.identified) {
        const file = sanitize(f.file_path);
        let entry = context.find((c) => c.file === file);
        if (!entry) context.push((entry = { file, spanIds: [] }));
        for (const id of f.span_ids.map(sanitize)) if (!entry.spanIds.includes(id)) entry.spanIds.push(id);
      }
      return { ...m, context };
    }
    case 'moatless_plan':
      return {
        ...m,
        plan: {
          action: sanitize(e.action),
          file: e.file_path === undefined ? undefined : sanitize(e.file_path),
          spanId: e.span_id === undefined ? undefined : sanitize(e.span_id),
          lines: e.start_line !== undefined && e.end_line !== undefined ? [e.start_line, e.end_line] : undefined,
          instructions: e.instructions === undefined ? undefined : sanitize(e.instructions).replace(/\s+/g, ' ').trim(),
          next: e.next === undefined ? undefined : sanitize(e.next),
        },
      };
    case 'moatless_edit': {
      const edit: MoatlessEditView = {
        file: sanitize(e.file_path), startLine: e.start_line, endLine: e.end_line, applied: e.applied,
        ...(e.error ? { error: sanitize(e.error).replace(/\s+/g, ' ').trim() } : {}),
        ...diffCounts(e.diff),
        lint: e.lint === undefined ? undefined : e.lint === null ? null : e.lint.length,
      };
      return { ...m, edits: [...m.edits, edit].slice(-EDITS_KEPT) };
    }
    case 'moatless_prompt_log':
      return m;
  }
}
