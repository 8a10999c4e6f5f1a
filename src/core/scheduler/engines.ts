import { existsSync, readFileSync } from 'node:fs';
import Dockerode from 'dockerode';
import { DockerProvider } from '../runtime/docker.js';
import type { Engine } from './scheduler.js';

export interface EngineSpec {
  name: string;
  /** A DOCKER_HOST value: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host. Omitted: the default engine. */
  host?: string;
}

export interface BatchConfig {
  engines: EngineSpec[];
  /** Disk budget for instance images (GB); least-recently-used images are pruned past it. */
  image_disk_budget_gb?: number;
}

/**
 * Engines come from `SWEGYM_ENGINES` ("name=host,name2=host2" or "host,host2") or from `engines` in the config file
 * (`SWEGYM_CONFIG`, default ./swegym.config.json). With neither: the one default engine.
 */
export function loadBatchConfig(env: Record<string, string | undefined> = process.env): BatchConfig {
  const file = env.SWEGYM_CONFIG ?? 'swegym.config.json';
  let cfg: Partial<BatchConfig> = {};
  if (existsSync(file)) {
    try {
      cfg = JSON.parse(readFileSync(file, 'utf8')) as Partial<BatchConfig>;
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (cfg.engines !== undefined && !Array.isArray(cfg.engines)) throw new Error(`${file}: field 'engines' must be a list of {name, host}`);
    cfg.engines?.forEach((e, i) => {
      if (!e || typeof e.name !== 'string') throw new Error(`${file}: field 'engines[${i}].name' must be a string`);
    });
  }
  let engines = cfg.engines ?? [];
  if (env.SWEGYM_ENGINES) {
    engines = env.SWEGYM_ENGINES.split(',').map((s, i) => {
      const t = s.trim();
      const eq = t.indexOf('=');
      return eq > 0 && !t.slice(0, eq).includes('/') ? { name: t.slice(0, eq), host: t.slice(eq + 1) } : { name: `engine${i}`, host: t };
    });
  }
  if (engines.length === 0) engines = [{ name: 'local' }];
  return { engines, image_disk_budget_gb: cfg.image_disk_budget_gb };
}

/** dockerode options for a DOCKER_HOST value. */
export function dockerOptionsFor(host: string | undefined): Dockerode.DockerOptions | undefined {
  if (!host) return undefined;
  const u = new URL(host);
  if (u.protocol === 'unix:') return { socketPath: u.pathname };
  if (u.protocol === 'ssh:') return { protocol: 'ssh', host: u.hostname, port: u.port ? Number(u.port) : 22, username: u.username || undefined } as Dockerode.DockerOptions;
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    return { host: u.hostname, port: u.port ? Number(u.port) : 2375, protocol: u.protocol === 'https:' ? 'https' : 'http' };
  }
  throw new Error(`engine host '${host}': unsupported scheme (unix://, tcp://, ssh://)`);
}

export function makeEngines(specs: EngineSpec[], sessionId: string): Array<Engine & { docker: Dockerode }> {
  // One DockerProvider per engine; containers carry the session's unique id (not its name) as their session label.
  return specs.map((s) => {
    const docker = new Dockerode(dockerOptionsFor(s.host));
    return { name: s.name, docker, provider: new DockerProvider({ docker, sessionId }) };
  });
}
