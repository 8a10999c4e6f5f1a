/** SWE-bench predictions lines, as the official harness reads them (facts §3.4). */
export interface Prediction {
  instance_id: string;
  model_name_or_path: string;
  model_patch: string;
}

export function toPredictionLines(rows: ReadonlyArray<{ instance_id: string; patch: string }>, model: string): string {
  return rows.map((r) => JSON.stringify({ instance_id: r.instance_id, model_name_or_path: model, model_patch: r.patch } satisfies Prediction)).join('\n') + (rows.length ? '\n' : '');
}
