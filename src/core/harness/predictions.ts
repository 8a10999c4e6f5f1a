import { readFileSync } from 'node:fs';
import type { TaskRecord } from '../dataset/schema.js';
import type { Prediction } from './report.js';

export class PredictionsError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    message: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}${field ? ` field ${field}` : ''}: ${message}`);
    this.name = 'PredictionsError';
  }
}

/**
 * Predictions as the harness reads them: `gold` (each task's patch, model `gold`), `empty` (no patch, model
 * `empty`), or a JSONL / JSON-list file of `{instance_id, model_patch, model_name_or_path}`. A bad row is an error
 * naming file, line and field. `requireKnown`: `tasks` is the whole dataset, so an id not in it is an error (file:line).
 */
export function loadPredictions(source: string, tasks: TaskRecord[], opts: { requireKnown?: boolean } = {}): Prediction[] {
  if (source === 'gold') return tasks.map((t) => ({ instance_id: t.instance_id, model_patch: t.patch, model_name_or_path: 'gold' }));
  if (source === 'empty') return tasks.map((t) => ({ instance_id: t.instance_id, model_patch: '', model_name_or_path: 'empty' }));
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (e) {
    throw new PredictionsError(source, undefined, undefined, `cannot read: ${(e as Error).message}`);
  }
  const rows: Array<{ value: unknown; line?: number }> = [];
  if (/\.json$/i.test(source)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new PredictionsError(source, undefined, undefined, `invalid JSON: ${(e as Error).message}`);
    }
    const list = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : null;
    if (!list) throw new PredictionsError(source, undefined, undefined, 'expected a list of predictions');
    list.forEach((value, i) => rows.push({ value, line: i + 1 }));
  } else {
    text.split('\n').forEach((l, i) => {
      if (!l.trim()) return;
      try {
        rows.push({ value: JSON.parse(l), line: i + 1 });
      } catch (e) {
        throw new PredictionsError(source, i + 1, undefined, `invalid JSON: ${(e as Error).message}`);
      }
    });
  }
  const seen = new Set<string>();
  const known = new Set(tasks.map((t) => t.instance_id));
  return rows.map(({ value, line }) => {
    if (!value || typeof value !== 'object') throw new PredictionsError(source, line, undefined, 'expected an object');
    const o = value as Record<string, unknown>;
    if (typeof o.instance_id !== 'string' || !o.instance_id) throw new PredictionsError(source, line, 'instance_id', 'must be a non-empty string');
    if (o.model_patch !== null && o.model_patch !== undefined && typeof o.model_patch !== 'string') {
      throw new PredictionsError(source, line, 'model_patch', 'must be a string or null');
    }
    if (o.model_name_or_path !== undefined && typeof o.model_name_or_path !== 'string') {
      throw new PredictionsError(source, line, 'model_name_or_path', 'must be a string');
    }
    if (seen.has(o.instance_id)) throw new PredictionsError(source, line, 'instance_id', `duplicate prediction for ${o.instance_id}`);
    // The harness's own check (run_evaluation: "Some prediction IDs not found in dataset"), here with the line.
    if (opts.requireKnown && !known.has(o.instance_id)) {
      throw new PredictionsError(source, line, 'instance_id', `Some prediction IDs not found in dataset: ${JSON.stringify(o.instance_id)}`);
    }
    seen.add(o.instance_id);
    return {
      instance_id: o.instance_id,
      model_patch: (o.model_patch as string | null | undefined) ?? null,
      model_name_or_path: (o.model_name_or_path as string | undefined) ?? 'None',
    };
  });
}
