import type { TaskRecord } from '../dataset/schema.js';
import type { BatchSettings } from '../rollout/settings.js';
import { environmentPreflight } from '../rollout/environment.js';
import { loadSpecRegistry } from '../runtime/spec-registry.js';
import { loadBatchConfig, makeEngines } from './engines.js';

/**
 * The offline check a session runs before it starts (batch, resume, the workbench): the error text when some task's
 * environment would have to be built offline without install steps its spec needs (and no image is on any configured
 * engine, and no pull works), else undefined. Spec files that do not load throw (bad input).
 */
export async function sessionPreflight(
  tasks: TaskRecord[],
  settings: BatchSettings,
  o: { env?: Record<string, string | undefined>; say?: (line: string) => void } = {},
): Promise<string | undefined> {
  if (settings.allow_partial_env || settings.offline === false) return undefined;
  const specs = loadSpecRegistry(settings.env_spec_files ?? []);
  const engines = makeEngines(loadBatchConfig(o.env).engines, 'preflight');
  // One check per distinct instance: samples and temperatures repeat the same task.
  const unique = [...new Map(tasks.map((t) => [t.instance_id, t])).values()];
  return environmentPreflight(unique, specs, settings, engines.map((e) => e.docker), o.say);
}
