import { parsePatch, type StructuredPatch } from 'diff';
import type { ChatMessage, Usage } from '../events.js';
import type { Tool } from './tool-types.js';
import type { Agent, AgentContext, AgentResult } from './types.js';
import { defaultTools, runToolCall } from './tools/index.js';
import { extractPatch } from './patch.js';
import { shellQuote } from './tools/pystr.js';
import { stopReasonForAbort } from './abort.js';

const ZERO_USAGE: Usage = { prompt_tokens: 0, completion_tokens: 0, estimated: false };

/** One planned edit on one file, in str_replace_editor terms. */
type Edit =
  | { kind: 'create'; path: string; text: string }
  | { kind: 'replace'; path: string; old: string; new: string }
  | { kind: 'insert'; path: string; line: number; text: string };

interface FilePlan {
  relPath: string;
  /** Edits through the editor; undefined when the file needs `git apply` (renames, deletions, binary, tabs, CRs). */
  edits?: Edit[];
  /** The file's own part of the patch (for the `git apply` fallback). */
  patchText: string;
}

/**
 * The `gold` agent: applies the task's gold patch through the same tools an LLM agent uses (a look at the repo and
 * at each file, str_replace_editor edits derived from the hunks, `create` for new files, `git apply` through
 * execute_bash where the editor cannot express the change), then finishes. It needs no model, so a rollout without
 * a key still fills every pane of the workbench.
 */
export class GoldAgent implements Agent {
  readonly info = { kind: 'gold' as const, config: {} };

  constructor(private readonly tools: Tool[] = defaultTools()) {}

  async run(ctx: AgentContext): Promise<AgentResult> {
    const messages: ChatMessage[] = [{ role: 'user', content: ctx.task.problem_statement }];
    let step = 0;
    let lastObservation = '';
    const call = async (name: string, args: Record<string, unknown>) => {
      if (ctx.signal.aborted) throw new Interrupted();
      step++;
      const callId = `gold_${step}`;
      messages.push({ role: 'assistant', content: '', tool_calls: [{ id: callId, type: 'function', function: { name, arguments: JSON.stringify(args) } }] });
      const r = await runToolCall({
        tools: this.tools,
        name,
        args,
        callId,
        step,
        runtime: ctx.runtime,
        repoDir: ctx.repoDir,
        emitter: ctx.emitter,
        signal: ctx.signal,
      });
      messages.push({ role: 'tool', content: r.observation, tool_call_id: callId, name });
      lastObservation = r.observation;
      return r;
    };
    const updatePatch = async () => {
      const p = await extractPatch(ctx.runtime, ctx.task.base_commit, ctx.repoDir);
      ctx.emitter.emit({ type: 'patch_updated', patch: p.patch, files: p.files });
      return p;
    };
    const stop = (reason: AgentResult['reason'], message: string, patch: string): AgentResult => {
      ctx.emitter.emit({ type: 'agent_stopped', reason, message, turns: step, usage: ZERO_USAGE, cost_usd: 0 });
      return { reason, message, patch, turns: step, usage: ZERO_USAGE, cost_usd: 0, messages };
    };

    try {
      const plans = planGoldPatch(ctx.task.patch);
      const root = ctx.repoDir.replace(/\/+$/, '');
      await call('str_replace_editor', { command: 'view', path: root });

      const fallback: FilePlan[] = [];
      for (const plan of plans) {
        const abs = `${root}/${plan.relPath}`;
        if (!plan.edits || (await needsGit(ctx, abs, plan))) {
          fallback.push(plan);
          continue;
        }
        let ok = true;
        for (const edit of plan.edits) {
          if (edit.kind !== 'create' && plan.edits.indexOf(edit) === 0) await call('str_replace_editor', { command: 'view', path: abs });
          const r =
            edit.kind === 'create'
              ? await call('str_replace_editor', { command: 'create', path: abs, file_text: edit.text })
              : edit.kind === 'replace'
                ? await call('str_replace_editor', { command: 'str_replace', path: abs, old_str: edit.old, new_str: edit.new })
                : await call('str_replace_editor', { command: 'insert', path: abs, insert_line: edit.line, new_str: edit.text });
          if (r.isError) {
            ok = false;
            break;
          }
        }
        if (!ok) {
          // Put the file back as it was and let git apply the whole file's part of the patch.
          await call('execute_bash', { command: `cd ${shellQuote(root)} && git checkout -- ${shellQuote(plan.relPath)} 2>/dev/null; git clean -fq -- ${shellQuote(plan.relPath)}` });
          fallback.push(plan);
        } else {
          await updatePatch();
        }
      }

      if (fallback.length > 0) {
        const patchPath = '/tmp/swegym_gold.patch';
        await call('execute_bash', { command: `rm -f ${patchPath}` });
        await call('str_replace_editor', { command: 'create', path: patchPath, file_text: fallback.map((f) => f.patchText).join('') });
        const r = await call('execute_bash', { command: `cd ${shellQuote(root)} && git apply -v ${patchPath}; rc=$?; rm -f ${patchPath}; exit $rc` });
        if (r.exitCode !== 0) {
          const p = await updatePatch();
          return stop('error', `the gold patch did not apply: ${lastObservation.slice(0, 500)}`, p.patch);
        }
        await updatePatch();
      }

      await call('execute_bash', { command: `cd ${shellQuote(root)} && git status --short` });
      const fin = await call('finish', {});
      const p = await updatePatch();
      return stop(fin.finish ? 'finished' : 'error', 'gold patch applied', p.patch);
    } catch (e) {
      if (e instanceof Interrupted || ctx.signal.aborted) {
        const patch = await extractPatch(ctx.runtime, ctx.task.base_commit, ctx.repoDir).then((p) => p.patch, () => '');
        const reason = stopReasonForAbort(ctx.signal);
        return stop(reason, reason === 'wall_clock' ? 'wall-clock limit reached' : 'interrupted', patch);
      }
      throw e;
    }
  }
}

class Interrupted extends Error {}

/**
 * The editor expands tabs and normalises line endings of the whole file it edits (as openhands-aci 0.1.0 did), so
 * files with tabs or CRs would pick up changes the gold patch does not make: those go through `git apply`.
 */
async function needsGit(ctx: AgentContext, abs: string, plan: FilePlan): Promise<boolean> {
  if (plan.edits?.every((e) => e.kind === 'create')) return false;
  try {
    const text = (await ctx.runtime.readFile(abs)).toString('utf8');
    return text.includes('\t') || text.includes('\r');
  } catch {
    return false; // missing file: the editor reports it and the fallback takes over
  }
}

/** Splits a gold patch into per-file plans of editor edits. Exported for tests. */
export function planGoldPatch(patch: string): FilePlan[] {
  const chunks = splitByFile(patch);
  const parsed = parsePatch(patch);
  if (parsed.length !== chunks.length) {
    // parsePatch and our header split disagree (unusual headers): apply everything with git.
    return [{ relPath: '(all files)', patchText: patch }];
  }
  return parsed.map((fp, i) => planFile(fp, chunks[i]));
}

function planFile(fp: StructuredPatch, patchText: string): FilePlan {
  const oldName = stripPrefix(fp.oldFileName);
  const newName = stripPrefix(fp.newFileName);
  const relPath = newName ?? oldName ?? '';
  const plain: FilePlan = { relPath, patchText };
  const gitOnly =
    newName === null || // deletion
    (oldName !== null && oldName !== newName) || // rename
    /^(GIT binary patch|Binary files )/m.test(patchText) ||
    /^(old mode|new mode|similarity index|rename from|copy from)/m.test(patchText) ||
    fp.hunks.some((h) => h.lines.some((l) => l.includes('\t') || l.includes('\r')));
  if (gitOnly) return plain;

  if (oldName === null) {
    const text = fp.hunks.map((h) => sideText(h.lines, '+')).join('');
    if (text === '') return plain; // the editor refuses an empty file_text
    return { ...plain, edits: [{ kind: 'create', path: relPath, text }] };
  }

  const edits: Edit[] = [];
  for (const h of fp.hunks) {
    const oldText = sideText(h.lines, '-');
    const newText = sideText(h.lines, '+');
    if (oldText === '') {
      // Pure insertion with no context: insert after line oldStart.
      if (newText === '') continue;
      edits.push({ kind: 'insert', path: relPath, line: h.oldStart, text: newText.replace(/\n$/, '') });
    } else {
      edits.push({ kind: 'replace', path: relPath, old: oldText, new: newText });
    }
  }
  return { ...plain, edits };
}

/**
 * The text of one side of a hunk: context lines plus that side's changed lines. A "\ No newline at end of file"
 * marker applies to the line just before it in the hunk (looked up before the other side's lines are dropped).
 */
function sideText(lines: string[], side: '+' | '-'): string {
  const other = side === '+' ? '-' : '+';
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('\\') || l.startsWith(other)) continue;
    const noNewline = lines[i + 1]?.startsWith('\\') ?? false;
    out += l.slice(1) + (noNewline ? '' : '\n');
  }
  return out;
}

function stripPrefix(name: string | undefined): string | null {
  if (!name || name === '/dev/null') return null;
  return name.replace(/^[ab]\//, '');
}

/** The patch text cut at each `diff --git` header (what `git apply` needs per file). */
function splitByFile(patch: string): string[] {
  const out: string[] = [];
  const lines = patch.split(/(?<=\n)/);
  let cur = '';
  for (const l of lines) {
    if (l.startsWith('diff --git ') && cur) {
      out.push(cur);
      cur = '';
    }
    cur += l;
  }
  if (cur.trim()) out.push(cur.endsWith('\n') ? cur : cur + '\n');
  return out;
}
