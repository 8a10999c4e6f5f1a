import { resolveSessionDir, openSession } from '../../core/session/index.js';
import { defaultRunnerDeps, MoatlessOrmPrompter } from '../../core/verifier/index.js';
import { exportMoatlessSft, exportMoatlessVerifier, exportPredictions, exportSft, exportVerifier, metaPath, type SftFormat } from '../../core/export/index.js';

export interface ExportOptions {
  /** sft | verifier | predictions */
  kind: string;
  session: string;
  out: string;
  /** sft: swegym-text (default) | openai-tools | moatless (per-call examples of Moatless rollouts) */
  format?: string;
  maxPerInstance?: number;
  maxTurns?: number;
  /** sft: no default; verifier: 32768 */
  maxTokens?: number;
  /** verifier: negatives per positive (default 1) */
  ratio?: number;
  /** verifier: negative sampling seed (default 42) */
  seed?: number;
  /** verifier: chat template for the token count (chatml | llama3) */
  template?: string;
  /** predictions: which sample of each instance (default 0) */
  sample?: number;
  /** predictions: model_name_or_path */
  model?: string;
  json?: boolean;
  sessionsDir?: string;
  io?: { out: (line: string) => void; err: (line: string) => void };
}

function positiveInt(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a whole number >= 0 (got ${v})`);
  return v;
}

/**
 * `swegym export sft|verifier|predictions <session> --out FILE`: fine-tuning data from resolved rollouts (SWE-Gym's
 * text form or OpenAI tools), verifier training data (balanced YES/NO judgements), or SWE-bench predictions.
 * sft and verifier also write `<out>.meta.json` naming the tokenizer, the filters and every exported rollout.
 */
export async function exportCommand(opts: ExportOptions): Promise<number> {
  const out = opts.io?.out ?? ((l: string) => console.log(l));
  const err = opts.io?.err ?? ((l: string) => console.error(l));
  const reader = openSession(resolveSessionDir(opts.session, opts.sessionsDir));
  const print = (summary: string, data: unknown) => out(opts.json ? JSON.stringify(data, null, 2) : summary);
  switch (opts.kind) {
    case 'sft': {
      if (opts.format === 'moatless') {
        const { stats } = await exportMoatlessSft(reader, opts.out, { maxPerInstance: positiveInt(opts.maxPerInstance, 'max-per-instance'), maxTokens: positiveInt(opts.maxTokens, 'max-tokens') });
        print(
          `wrote ${stats.examples} per-call example(s) from ${stats.trajectories_kept} resolved Moatless trajectories over ${stats.instances} instance(s) to ${opts.out} (moatless); skipped ${stats.unresolved_skipped} unresolved, dropped ${stats.dropped_per_instance_cap} over --max-per-instance, ${stats.examples_over_max_tokens} example(s) over --max-tokens, ${stats.calls_skipped_error} call(s) that ended in an error; metadata: ${metaPath(opts.out)}`,
          { out: opts.out, meta: metaPath(opts.out), stats },
        );
        return 0;
      }
      const format = (opts.format ?? 'swegym-text') as SftFormat;
      if (format !== 'swegym-text' && format !== 'openai-tools') {
        err(`swegym export sft: --format must be swegym-text, openai-tools or moatless (got ${opts.format})`);
        return 2;
      }
      const { stats } = await exportSft(reader, opts.out, {
        format,
        maxPerInstance: positiveInt(opts.maxPerInstance, 'max-per-instance'),
        maxTurns: positiveInt(opts.maxTurns, 'max-turns'),
        maxTokens: positiveInt(opts.maxTokens, 'max-tokens'),
      });
      print(
        `wrote ${stats.kept} resolved trajectories over ${stats.instances} instance(s) to ${opts.out} (${format}); skipped ${stats.unresolved_skipped} unresolved, dropped ${stats.dropped_max_turns} over --max-turns, ${stats.dropped_max_tokens} over --max-tokens, ${stats.dropped_per_instance_cap} over --max-per-instance${stats.invalid ? `, ${stats.invalid} failing the fine-tuning schema` : ''}; metadata: ${metaPath(opts.out)}`,
        { out: opts.out, meta: metaPath(opts.out), stats },
      );
      return stats.invalid ? 3 : 0;
    }
    case 'verifier': {
      if (opts.format === 'moatless') {
        // The prompt builder only reads files from the instance images; no model is called.
        const { provider, image } = await defaultRunnerDeps({ onLog: (m) => err(m) }, {});
        const orm = new MoatlessOrmPrompter({ provider, image });
        const { stats } = await exportMoatlessVerifier(reader, opts.out, orm, { maxTokens: positiveInt(opts.maxTokens, 'max-tokens'), seed: opts.seed });
        print(
          `wrote ${stats.positives} positive and ${stats.negatives} negative Moatless verifier example(s) to ${opts.out} (${stats.positives_available} positives and ${stats.negatives_available} negatives available, at most 2 of each per instance, ${stats.dropped_over_budget} over the token budget dropped); metadata: ${metaPath(opts.out)}`,
          { out: opts.out, meta: metaPath(opts.out), stats },
        );
        return 0;
      }
      const template = opts.template ?? 'chatml';
      if (template !== 'chatml' && template !== 'llama3') {
        err(`swegym export verifier: --template must be chatml or llama3 (got ${template})`);
        return 2;
      }
      if (opts.ratio !== undefined && !(opts.ratio >= 0)) {
        err(`swegym export verifier: --ratio must be >= 0 (got ${opts.ratio})`);
        return 2;
      }
      const { stats } = await exportVerifier(reader, opts.out, { negativeRatio: opts.ratio ?? 1, seed: opts.seed ?? 42, maxTokens: opts.maxTokens ?? 32768, template });
      print(
        `wrote ${stats.positives} positive and ${stats.negatives} negative judgement(s) to ${opts.out} (${stats.positives_available} positives and ${stats.negatives_available} negatives available, ${stats.dropped_over_budget} over the token budget dropped); metadata: ${metaPath(opts.out)}`,
        { out: opts.out, meta: metaPath(opts.out), stats },
      );
      if (stats.positives < stats.positives_available) {
        err(`note: positives sampled down to ${stats.positives} of ${stats.positives_available} to keep ${opts.ratio ?? 1} negative(s) per positive; --ratio changes the balance`);
      }
      return 0;
    }
    case 'predictions': {
      const r = await exportPredictions(reader, opts.out, { sample: positiveInt(opts.sample, 'sample'), model: opts.model });
      print(`wrote ${r.written} prediction(s) (sample ${opts.sample ?? 0}, model ${r.model}) to ${opts.out}`, { out: opts.out, ...r });
      return 0;
    }
    default:
      err(`swegym export: unknown kind '${opts.kind}' (expected sft, verifier or predictions)`);
      return 2;
  }
}
