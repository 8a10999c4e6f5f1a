import type { TaskRecord } from '../dataset/schema.js';
import type { EnvSpec } from './env-spec.js';
import type { ExecChannel } from './exec-channel.js';
import type { ImageOptions, InstanceImage } from './images.js';
import type { Runtime, RuntimeProvider, StartOptions, SweepOptions } from './types.js';

export type { SweepOptions } from './types.js';

/**
 * The sandbox lifecycle, one interface for every engine: prepare an image, start a sandbox, run processes in it as
 * two-way streams (the long-lived shell runs on these), copy files in and out, stop it, list sandboxes by label and
 * sweep them. A Docker engine implements it (DockerProvider), and so does a set of engines (EngineSet); a Kubernetes
 * namespace would be a third implementation, and nothing above this interface would change.
 */

/** One running sandbox. `readFile`/`writeFile` copy a file out of it and into it; `exec` runs in the long-lived shell. */
export interface Sandbox extends Runtime {
  /** The engine it runs on (a name from the engine configuration). */
  readonly engine: string;
  /** Start one process in the sandbox as a two-way stream with an exit code (no shell, no state). */
  spawn(argv: string[], opts?: { stdin?: boolean }): Promise<ExecChannel>;
}

/** A sandbox as a listing shows it. */
export interface SandboxInfo {
  id: string;
  engine: string;
  labels: Record<string, string>;
  /** The engine's word for its state (`running`, `exited`, ...). */
  state: string;
}

/** A prepared instance image: its name, where it came from, and whether its environment is partial. */
export type PreparedImage = InstanceImage;

export interface SandboxProvider extends RuntimeProvider {
  /** The engine's name (one provider, one engine; an engine set names itself by its members). */
  readonly engine: string;
  /** The unique id every sandbox this provider starts is labelled with (what session sweeps select on). */
  readonly sessionId: string;
  /** Make the instance image available on this engine: a local image, a pull, or an offline build. */
  prepareImage(task: TaskRecord, spec: EnvSpec, opts?: Omit<ImageOptions, 'docker'>): Promise<PreparedImage>;
  /** An image's id and size on this engine, or undefined when it has no such image. */
  imageFacts(image: string): Promise<{ id: string; size: number } | undefined>;
  removeImage(image: string): Promise<void>;
  start(opts: StartOptions): Promise<Sandbox>;
  /** Sandboxes carrying the swegym label and every label given. */
  list(labels?: Record<string, string>): Promise<SandboxInfo[]>;
  /** Remove these sandboxes; returns how many this call removed (one already gone is not counted). */
  remove(ids: string[]): Promise<number>;
  /** Remove the sandboxes carrying `labels` (see SweepOptions); returns how many. */
  sweep(labels?: Record<string, string>, opts?: SweepOptions): Promise<number>;
}
