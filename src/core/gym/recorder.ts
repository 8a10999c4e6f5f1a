import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RolloutEmitter } from '../events.js';
import type { TaskRecord } from '../dataset/schema.js';
import { SessionWriter } from '../session/writer.js';
import { openSession } from '../session/store.js';
import { rolloutId } from '../session/ids.js';
import { VERSION } from '../version.js';

export interface EpisodeHandle {
  rolloutId: string;
  sample: number;
  emitter: RolloutEmitter;
}

/**
 * Every gym episode is a rollout of a session: episode n of an instance is its sample n (attempt 0), so the session
 * store, `swegym show`, the workbench, verifiers and exporters read it like any agent rollout.
 */
export class EpisodeRecorder {
  private readonly samples = new Map<string, number>();

  private constructor(readonly writer: SessionWriter | undefined) {
    if (writer) {
      // Continuing a session: episode numbers go on after the ones already recorded.
      for (const s of openSession(writer.dir).attempts()) {
        this.samples.set(s.instance_id, Math.max(this.samples.get(s.instance_id) ?? 0, s.sample + 1));
      }
    }
  }

  /** Records nothing (events still reach listeners). */
  static none(): EpisodeRecorder {
    return new EpisodeRecorder(undefined);
  }

  /** Creates the session folder, or appends to the session already there. */
  static openOrCreate(dir: string, opts: { name: string; datasetRef: string; datasetSha?: string; tasks: TaskRecord[]; config?: Record<string, unknown> }): EpisodeRecorder {
    const writer = existsSync(join(dir, 'manifest.json'))
      ? SessionWriter.open(dir)
      : SessionWriter.create(dir, {
          name: opts.name,
          swegym_version: VERSION,
          dataset: {
            ref: opts.datasetRef,
            sha256: opts.datasetSha,
            instance_ids: opts.tasks.map((t) => t.instance_id),
            repos: Object.fromEntries(opts.tasks.map((t) => [t.instance_id, t.repo])),
          },
          images: {},
          agent: { kind: 'external', gym: true, config: opts.config ?? {} },
          // Episodes are played on demand: no planned samples, every recorded episode is listed.
          sampling: { samples: 0, temperatures: [], seed: 0 },
          gym: { server: true },
        });
    return new EpisodeRecorder(writer);
  }

  get dir(): string | undefined {
    return this.writer?.dir;
  }

  /** The session's unique id (labels the server's containers). */
  get sessionId(): string | undefined {
    return this.writer?.id;
  }

  get name(): string | undefined {
    return this.writer?.name;
  }

  startEpisode(instanceId: string): EpisodeHandle {
    const sample = this.samples.get(instanceId) ?? 0;
    this.samples.set(instanceId, sample + 1);
    const id = rolloutId(instanceId, sample, 0);
    const log = this.writer?.openRollout(id);
    const emitter = new RolloutEmitter(id, log ? (e) => log.append(e) : undefined);
    return { rolloutId: id, sample, emitter };
  }

  /** Records the image an instance ran with (once per instance). */
  noteImage(instanceId: string, image: string): void {
    if (!this.writer || this.writer.manifest.images[instanceId]?.image === image) return;
    this.writer.updateManifest({ images: { ...this.writer.manifest.images, [instanceId]: { image } } });
  }

  close(): void {
    this.writer?.close();
  }
}
