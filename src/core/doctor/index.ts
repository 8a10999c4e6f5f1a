import { loadBatchConfig, type EngineSpec } from '../scheduler/engines.js';
import { checkContainerStart, checkEndpoint, checkEngine, checkHub, checkImages, checkNode, checkSessionsDir, checkSpecs, timed } from './checks.js';
import type { CheckResult, DoctorOptions } from './types.js';

export type { CheckResult, CheckStatus, DoctorOptions } from './types.js';

/**
 * Every check the given command line depends on, in the order a user would fix them. Checks that depend on an
 * earlier one (images need an engine) are skipped, with the reason, when it failed.
 */
export async function runDoctor(opts: DoctorOptions & { envSpecs?: string[] }): Promise<CheckResult[]> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const out: CheckResult[] = [await checkNode()];
  let engines: EngineSpec[];
  try {
    engines = loadBatchConfig(env).engines;
  } catch (e) {
    out.push(await timed('engines', 'Engine configuration', async () => ({ status: 'fail', detail: (e as Error).message, fix: 'fix SWEGYM_ENGINES or swegym.config.json' })));
    engines = [];
  }
  let first: Awaited<ReturnType<typeof checkEngine>>['found'] | undefined;
  for (const spec of engines) {
    const { result, found } = await checkEngine(spec, timeoutMs);
    out.push(result);
    if (found.ok && !first) first = found;
  }
  if (first) {
    out.push(...(await checkImages(first.docker, opts.dataset ?? 'samples')));
    if (!opts.quick) out.push(await checkContainerStart(first.docker, timeoutMs * 6));
  } else if (engines.length) {
    out.push({ id: 'images', title: 'Images', status: 'skip', detail: 'no engine answers', ms: 0 });
  }
  out.push(await checkSpecs(opts.envSpecs ?? []));
  out.push(await checkSessionsDir(opts.sessionsDir));
  const baseUrl = opts.baseUrl ?? env.OPENAI_BASE_URL;
  if (baseUrl) out.push(...(await checkEndpoint(baseUrl, opts.model, env[opts.apiKeyEnv ?? 'OPENAI_API_KEY'], timeoutMs)));
  const hub = opts.dataset ? checkHub(opts.dataset, timeoutMs) : undefined;
  if (hub) out.push(await hub);
  return out;
}

/** The command line works when nothing failed (warnings are things swegym does itself on first use). */
export function doctorPassed(results: CheckResult[]): boolean {
  return results.every((r) => r.status !== 'fail');
}
