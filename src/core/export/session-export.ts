import { writeFileSync } from 'node:fs';
import type { SessionReader } from '../session/types.js';
import { isFinished } from '../session/summary-fold.js';
import { messagesFromEvents, patchFromEvents } from '../session/trajectory.js';
import { buildSftData, type SftExample, type SftOptions } from './sft.js';
import { buildVerifierData, type VerifierDataOptions } from './verifier-data.js';
import { toPredictionLines } from './predictions.js';
import { toSwegymText } from '../session/text-trajectory.js';
import { taskPreambles } from '../session/preamble.js';
import { loadSessionTasks } from '../session/tasks.js';
import { buildMoatlessSft, promptLogFromEvents, type MoatlessRollout } from './moatless-sft.js';
import { buildMoatlessVerifierData, type MoatlessVerifierExample } from './moatless-verifier-data.js';
import { loadCandidates } from '../verifier/candidates.js';
import type { MoatlessOrmPrompter } from '../verifier/moatless/orm-verifier.js';

/**
 * Finished rollouts of a session with their trajectory and oracle verdict (undefined when never verified).
 * Rollouts without model calls (gold, replay, Gym episodes) get the agent's system prompt and first user message
 * when the session's tasks can be loaded.
 */
export async function sessionExamples(reader: SessionReader): Promise<Array<SftExample & { verified: boolean; patch: string }>> {
  const out: Array<SftExample & { verified: boolean; patch: string }> = [];
  let preambles: Awaited<ReturnType<typeof taskPreambles>> | undefined;
  for (const s of reader.summaries()) {
    if (!isFinished(s) || s.status === 'infra_error') continue;
    const events = await reader.events(s.rollout_id);
    const toolOnly = !events.some((e) => e.type === 'model_request');
    if (toolOnly && !preambles) preambles = await taskPreambles((await loadSessionTasks(reader)).tasks);
    out.push({
      rolloutId: s.rollout_id,
      instance_id: s.instance_id,
      sample: s.sample,
      resolved: s.resolved === true,
      verified: s.resolved !== undefined,
      messages: messagesFromEvents(events, toolOnly ? preambles?.get(s.instance_id) : undefined),
      patch: patchFromEvents(events),
    });
  }
  return out;
}

function sessionName(reader: SessionReader): string {
  return reader.manifest().name || reader.dir;
}

function writeJsonl(out: string, rows: unknown[]): void {
  writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

/** `<out>.meta.json`: what was exported, from where, with which filters and tokenizer. */
export function metaPath(out: string): string {
  return `${out}.meta.json`;
}

export async function exportSft(reader: SessionReader, out: string, opts: SftOptions = {}) {
  const examples = await sessionExamples(reader);
  const { lines, stats } = buildSftData(examples, opts);
  writeJsonl(out, lines.map((l) => l.line));
  const meta = {
    kind: 'sft',
    session: sessionName(reader),
    format: stats.format,
    tokenizer: stats.tokenizer,
    filters: { resolved_only: true, max_per_instance: opts.maxPerInstance ?? null, max_turns: opts.maxTurns ?? null, max_tokens: opts.maxTokens ?? null },
    stats,
    lines: lines.map((l) => l.meta),
  };
  writeFileSync(metaPath(out), JSON.stringify(meta, null, 2) + '\n');
  return { stats, meta };
}

export async function exportVerifier(reader: SessionReader, out: string, opts: VerifierDataOptions = {}) {
  const examples = (await sessionExamples(reader)).filter((e) => e.verified);
  // The verifier reads the text-format trajectory without the in-context example (facts §6.1).
  const { lines, stats } = buildVerifierData(
    examples.map((e) => ({ rolloutId: e.rolloutId, instance_id: e.instance_id, resolved: e.resolved, messages: toSwegymText(e.messages) })),
    opts,
  );
  writeJsonl(out, lines.map((l) => ({ messages: l.messages })));
  const meta = {
    kind: 'verifier',
    session: sessionName(reader),
    tokenizer: stats.tokenizer,
    filters: { max_tokens: opts.maxTokens ?? 32768, negative_ratio: opts.negativeRatio ?? 1, seed: opts.seed ?? 42, template: opts.template ?? 'chatml' },
    stats,
    lines: lines.map((l) => l.metadata),
  };
  writeFileSync(metaPath(out), JSON.stringify(meta, null, 2) + '\n');
  return { stats, meta };
}

/** SWE-bench predictions: one line per instance, the rollout of sample `sample` (default 0). */
export async function exportPredictions(reader: SessionReader, out: string, opts: { sample?: number; model?: string } = {}) {
  const want = opts.sample ?? 0;
  const examples = (await sessionExamples(reader)).filter((e) => e.sample === want);
  const m = reader.manifest();
  const model = opts.model ?? (typeof m.agent?.model === 'string' ? m.agent.model : `swegym-${sessionName(reader)}`);
  const rows = examples.map((e) => ({ instance_id: e.instance_id, patch: e.patch }));
  writeFileSync(out, toPredictionLines(rows, model));
  return { written: rows.length, model };
}

/** Finished Moatless rollouts of a session with their prompt logs (rollouts of other agents have none and are left out). */
export async function moatlessRollouts(reader: SessionReader): Promise<MoatlessRollout[]> {
  const out: MoatlessRollout[] = [];
  for (const s of reader.summaries()) {
    if (!isFinished(s) || s.status === 'infra_error') continue;
    const events = await reader.events(s.rollout_id);
    const promptLog = promptLogFromEvents(events);
    if (!promptLog.length) continue;
    out.push({
      rolloutId: s.rollout_id,
      instance_id: s.instance_id,
      sample: s.sample,
      resolved: s.resolved === true,
      promptLog,
      calls: events.filter((e) => e.type === 'model_response').length,
    });
  }
  return out;
}

/** `export sft --format moatless`: one chat example per logged LLM call of a resolved Moatless rollout. */
export async function exportMoatlessSft(reader: SessionReader, out: string, opts: { maxPerInstance?: number; maxTokens?: number } = {}) {
  const rollouts = await moatlessRollouts(reader);
  const { lines, stats } = buildMoatlessSft(rollouts, { ...opts, expName: sessionName(reader) });
  writeJsonl(out, lines.map((l) => l.line));
  const meta = {
    kind: 'sft',
    session: sessionName(reader),
    format: 'moatless',
    tokenizer: stats.tokenizer,
    filters: { resolved_only: true, max_per_instance: opts.maxPerInstance ?? 2, rank: 'fewest LM calls', max_tokens: opts.maxTokens ?? 10240, skip_calls_with_error: true },
    stats,
    lines: lines.map((l) => l.meta),
  };
  writeFileSync(metaPath(out), JSON.stringify(meta, null, 2) + '\n');
  return { stats, meta };
}

/**
 * `export verifier --format moatless`: the Moatless verifier's training data from the session's verified Moatless
 * rollouts. `orm` builds each prompt (it reads the files at the base commit and after the patch from the instance image).
 */
export async function exportMoatlessVerifier(
  reader: SessionReader,
  out: string,
  orm: Pick<MoatlessOrmPrompter, 'messagesFor'>,
  opts: { perInstance?: number; maxTokens?: number; seed?: number } = {},
) {
  const { tasks, error } = await loadSessionTasks(reader);
  if (!tasks.size) throw new Error(`export verifier --format moatless needs the session's task records: ${error ?? 'none found'}`);
  const { byInstance } = await loadCandidates(reader, tasks);
  const examples: MoatlessVerifierExample[] = [];
  let skipped = 0;
  for (const list of byInstance.values()) {
    for (const c of list) {
      if (!c.verdict || !c.identifiedSpans || !c.task) {
        skipped++;
        continue;
      }
      examples.push({ rolloutId: c.rolloutId, instance_id: c.instanceId, resolved: c.verdict.resolved === true, prompt: await orm.messagesFor(c) });
    }
  }
  const { lines, stats } = buildMoatlessVerifierData(examples, opts);
  writeJsonl(out, lines.map((l) => ({ messages: l.messages })));
  const meta = {
    kind: 'verifier',
    format: 'moatless',
    session: sessionName(reader),
    tokenizer: stats.tokenizer,
    filters: { per_instance: opts.perInstance ?? 2, balance: 'negatives = positives', max_tokens: opts.maxTokens ?? 10240, seed: opts.seed ?? 42 },
    stats: { ...stats, skipped_not_moatless_or_unverified: skipped },
    lines: lines.map((l) => l.metadata),
  };
  writeFileSync(metaPath(out), JSON.stringify(meta, null, 2) + '\n');
  return { stats, meta };
}
