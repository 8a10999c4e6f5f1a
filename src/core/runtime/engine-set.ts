import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from './env-spec.js';
import type { ImageOptions } from './images.js';
import type { PreparedImage, Sandbox, SandboxInfo, SandboxProvider } from './sandbox.js';
import type { StartOptions, SweepOptions } from './types.js';

export interface EngineSetOptions {
  /**
   * An engine that fails to list or sweep: the set goes on with the others and says which one failed here. Without
   * it, the first failure is thrown after the other engines were still swept.
   */
  onEngineError?: (engine: string, err: Error) => void;
}

/**
 * Several engines as one sandbox provider (what a batch spread over SWEGYM_ENGINES uses): sandboxes start on the
 * members in turn, listings and sweeps cover every member, and ids stay tied to the engine that made them. The
 * scheduler places each worker on a member itself (`members`), and sweeps through the set.
 */
export class EngineSet implements SandboxProvider {
  readonly engine: string;
  readonly sessionId: string;
  private next = 0;

  constructor(
    readonly members: readonly SandboxProvider[],
    private readonly opts: EngineSetOptions = {},
  ) {
    if (members.length === 0) throw new Error('an engine set needs at least one engine');
    const names = members.map((m) => m.engine);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`engine '${dup}' is named twice in the engine set`);
    this.engine = names.join('+');
    this.sessionId = members[0]!.sessionId;
  }

  /** The member named `engine` (every sandbox and listing says which engine it is on). */
  member(engine: string): SandboxProvider {
    const m = this.members.find((p) => p.engine === engine);
    if (!m) throw new Error(`no engine '${engine}' in the engine set (${this.engine})`);
    return m;
  }

  /** Images live per engine: the set prepares on its first member; a caller placing work prepares on that member. */
  prepareImage(task: TaskRecord, spec: EnvSpec, opts?: Omit<ImageOptions, 'docker'>): Promise<PreparedImage> {
    return this.members[0]!.prepareImage(task, spec, opts);
  }

  imageFacts(image: string): Promise<{ id: string; size: number } | undefined> {
    return this.members[0]!.imageFacts(image);
  }

  removeImage(image: string): Promise<void> {
    return this.members[0]!.removeImage(image);
  }

  /** On the members in turn. */
  start(opts: StartOptions): Promise<Sandbox> {
    const m = this.members[this.next++ % this.members.length]!;
    return m.start(opts);
  }

  async list(labels?: Record<string, string>): Promise<SandboxInfo[]> {
    return (await this.each((m) => m.list(labels))).flat();
  }

  /** Ids are removed on the engine that listed them. */
  async remove(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const found = await this.list();
    const on = new Map(found.map((s) => [s.id, s.engine]));
    const byEngine = new Map<string, string[]>();
    for (const id of ids) {
      const engine = on.get(id);
      if (engine) byEngine.set(engine, [...(byEngine.get(engine) ?? []), id]);
    }
    let n = 0;
    for (const [engine, mine] of byEngine) n += await this.member(engine).remove(mine);
    return n;
  }

  async sweep(labels?: Record<string, string>, opts?: SweepOptions): Promise<number> {
    return (await this.each((m) => m.sweep(labels, opts))).reduce((a, b) => a + b, 0);
  }

  /** Runs `f` on every member at once; a failing member is reported (or thrown once all have run). */
  private async each<T>(f: (m: SandboxProvider) => Promise<T>): Promise<T[]> {
    const settled = await Promise.allSettled(this.members.map(f));
    const out: T[] = [];
    let first: Error | undefined;
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') return void out.push(r.value);
      const err = r.reason instanceof Error ? r.reason : new Error(String(r.reason));
      if (this.opts.onEngineError) this.opts.onEngineError(this.members[i]!.engine, err);
      else first ??= new Error(`engine ${this.members[i]!.engine}: ${err.message}`);
    });
    if (first) throw first;
    return out;
  }
}
