import type { TaskRecord } from '../dataset/schema.js';
import { loadTasks } from '../dataset/load.js';
import type { SessionReader } from './types.js';

/** The task records of a session's dataset, when they can be loaded (imported sessions may have none). */
export async function loadSessionTasks(reader: SessionReader, datasetOverride?: string): Promise<{ tasks: Map<string, TaskRecord>; error?: string }> {
  const m = reader.manifest();
  const ref = datasetOverride ?? m.dataset?.ref;
  if (!ref || ref.startsWith('imported:')) return { tasks: new Map(), error: `the session has no loadable dataset (ref ${JSON.stringify(ref ?? '')}); pass --dataset` };
  try {
    const loaded = await loadTasks(ref, { ids: m.dataset?.instance_ids, skipInvalid: true });
    return { tasks: new Map(loaded.tasks.map((t) => [t.instance_id, t])) };
  } catch (e) {
    return { tasks: new Map(), error: `cannot load dataset '${ref}': ${e instanceof Error ? e.message : String(e)}` };
  }
}
