import { readFileSync } from 'node:fs';
import { resolveSessionDir, openSession } from '../../core/session/index.js';
import { installCleanupHandlers } from '../../core/runtime/index.js';
import { verifierByName, scoreSession, aucByVerifier, selectionReport, formatAucTable, formatSelectionChart, formatSelectionTable, type VerifierDeps, type SelectionReport } from '../../core/verifier/index.js';
import { sanitize } from '../../core/util/index.js';
import { jsonPathLine } from '../../core/dataset/index.js';

export interface ScoreOptions {
  session: string;
  verifier: string;
  /** Verifier config file (JSON): sections llm / regression / agreement / hybrid. */
  config?: string;
  json?: boolean;
  /** Score again rollouts that already have a score from this verifier. */
  rescore?: boolean;
  /** Dataset with the task records (for imported sessions). */
  dataset?: string;
  sessionsDir?: string;
  envSpec?: string[];
  /** Chart style: braille (default) or ascii; 'none' for no chart. */
  chart?: string;
  seed?: number;
  trials?: number;
  /** For tests: replaces Docker provider / image resolver / spec lookup. */
  deps?: VerifierDeps;
  io?: { out: (line: string) => void; err: (line: string) => void };
}

export function readVerifierConfig(path: string | undefined): unknown {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the verifier config (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Bad verifier input (config file or name): the CLI prints it and exits 2. */
export class VerifierInputError extends Error {}

/**
 * The verifier `name` built from the config file at `path`; a malformed file, an invalid field or an unknown name is a
 * VerifierInputError naming the file, the line and the field.
 */
export async function verifierFromConfigFile(name: string, path: string | undefined, deps: Parameters<typeof verifierByName>[2]) {
  let config: unknown;
  try {
    config = readVerifierConfig(path);
  } catch (e) {
    throw new VerifierInputError((e as Error).message);
  }
  try {
    return await verifierByName(name, config, deps);
  } catch (e) {
    const msg = (e as Error).message;
    if (/^unknown verifier /.test(msg)) throw new VerifierInputError(msg);
    const m = /^verifier config: field '([^']*)' ([\s\S]*)$/.exec(msg);
    if (!m) throw e;
    const keys = m[1]!.split('.').filter(Boolean).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const line = path ? jsonPathLine(readFileSync(path, 'utf8'), keys) : undefined;
    throw new VerifierInputError(`${path ?? 'verifier config'}${line ? `:${line}` : ''}: field ${m[1]}: ${m[2]}`);
  }
}

/** The verifier of a `score` or `select` run; bad input is printed as `swegym <command>: ...` and gives undefined (exit 2). */
export async function openVerifier(
  command: string,
  opts: { verifier: string; config?: string; envSpec?: string[]; deps?: VerifierDeps },
  err: (line: string) => void,
) {
  try {
    return await verifierFromConfigFile(opts.verifier, opts.config, { envSpecFiles: opts.envSpec, onLog: (m) => err(m), ...opts.deps });
  } catch (e) {
    if (!(e instanceof VerifierInputError)) throw e;
    err(`swegym ${command}: ${e.message}`);
    return undefined;
  }
}

/** The selection report of one verifier over a session's rows (recorded scores and oracle verdicts). */
export function sessionSelectionReport(dir: string, verifier: string, opts: { seed?: number; trials?: number } = {}) {
  const reader = openSession(dir);
  const summaries = reader.summaries();
  const rows = summaries.filter((s) => s.scores[verifier] !== undefined).map((s) => ({ instance_id: s.instance_id, sample: s.sample, score: s.scores[verifier]!, resolved: s.resolved }));
  const ids = reader.manifest().dataset.instance_ids;
  return { report: selectionReport(verifier, rows, ids, opts), aucs: aucByVerifier(summaries) };
}

/**
 * `swegym score <session> --verifier NAME`: scores every finished rollout, appends `verifier_score` events, then
 * prints best@k (exact and SWE-Gym's 100-trial estimate) and pass@k per k, every verifier's AUC against the oracle,
 * and a chart. Exit 0, or 3 when some instances could not be scored (listed on stderr).
 */
export async function scoreCommand(opts: ScoreOptions): Promise<number> {
  const out = opts.io?.out ?? ((l: string) => console.log(sanitize(l)));
  const err = opts.io?.err ?? ((l: string) => console.error(sanitize(l)));
  const dir = resolveSessionDir(opts.session, opts.sessionsDir);
  if (!opts.deps) installCleanupHandlers();
  const verifier = await openVerifier('score', opts, err);
  if (!verifier) return 2;
  const res = await scoreSession(dir, verifier, { rescore: opts.rescore, dataset: opts.dataset, onProgress: (m) => err(m) });
  const { report, aucs } = sessionSelectionReport(dir, verifier.name, { seed: opts.seed, trials: opts.trials });
  const failed = Object.keys(res.errors);
  if (opts.json) {
    out(JSON.stringify({ verifier: verifier.name, oracle: verifier.oracle === true, scored: res.scored, kept: res.kept, errors: res.errors, report: jsonReport(report), auc_by_verifier: jsonAucs(aucs) }, null, 2));
  } else {
    out(`scored ${res.scored} rollout(s) with '${verifier.name}'${res.kept ? ` (${res.kept} kept from earlier; --rescore to redo)` : ''}${verifier.oracle ? ' — oracle: for measuring, never for selection' : ''}`);
    for (const l of formatSelectionTable(report)) out(l);
    out('');
    for (const l of formatAucTable(aucs)) out(l);
    if (opts.chart !== 'none') {
      out('');
      for (const l of formatSelectionChart(report, { mode: opts.chart === 'ascii' ? 'ascii' : 'braille' })) out(l);
    }
  }
  if (failed.length) {
    err(`${failed.length} instance(s) could not be scored:`);
    for (const id of failed) err(`  ${id}: ${res.errors[id]}`);
    return 3;
  }
  return 0;
}

/** JSON has no NaN: AUC without both classes becomes null. */
export function jsonReport(r: SelectionReport) {
  return { ...r, auc: Number.isFinite(r.auc) ? r.auc : null };
}

function jsonAucs(a: Record<string, { auc: number; scored: number }>) {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { auc: Number.isFinite(v.auc) ? v.auc : null, scored: v.scored }]));
}
