import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { z } from 'zod';
import { ConfigError } from '../util/config-error.js';

export { ConfigError } from '../util/config-error.js';
import { jsonErrorLine, jsonPathLine } from '../dataset/json-lines.js';
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
  if (existsSync(file)) cfg = parseConfigFile(file, readFileSync(file, 'utf8'));
  let engines = cfg.engines ?? [];
  if (env.SWEGYM_ENGINES) {
    engines = env.SWEGYM_ENGINES.split(',').map((s, i) => {
      const t = s.trim();
      const eq = t.indexOf('=');
      return eq > 0 && !t.slice(0, eq).includes('/') ? { name: t.slice(0, eq), host: t.slice(eq + 1) } : { name: `engine${i}`, host: t };
    });
  }
  if (engines.length === 0) engines = [{ name: 'local' }];
  // Checked before anything is written: a bad host is bad input, found before a session folder exists.
  for (const e of engines) {
    try {
      dockerOptionsFor(e.host);
    } catch (err) {
      throw new ConfigError(`${env.SWEGYM_ENGINES ? 'SWEGYM_ENGINES' : file}: ${(err as Error).message}`);
    }
  }
  return { engines, image_disk_budget_gb: cfg.image_disk_budget_gb };
}


/**
 * The config file's schema is strict: a misspelled key (`imagedisk_budget_gb`) is an error naming the file, the line
 * and the field, not a setting silently ignored. `tui` belongs to the workbench's config (SWEGYM_CONFIG can name one
 * file for both) and is checked there.
 */
const ConfigFile = z
  .object({
    engines: z.array(z.object({ name: z.string().min(1), host: z.string().min(1).optional() }).strict()).optional(),
    image_disk_budget_gb: z.number().positive().optional(),
    tui: z.unknown().optional(),
  })
  .strict();

export function parseConfigFile(file: string, text: string): Partial<BatchConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const line = jsonErrorLine(text, (e as Error).message);
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: not valid JSON (${(e as Error).message})`);
  }
  const r = ConfigFile.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
    const line = jsonPathLine(text, path);
    const field = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(file)';
    const what = issue.code === 'unrecognized_keys' ? `unknown field (known: ${knownKeys(issue.path)})` : issue.message;
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: field ${field}: ${what}`);
  }
  return r.data as Partial<BatchConfig>;
}

function knownKeys(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'engines, image_disk_budget_gb, tui' : 'name, host';
}

/**
 * How an ssh:// engine logs in, as the docker CLI would: the ssh agent (SSH_AUTH_SOCK) and a private key, the one
 * named by SWEGYM_SSH_KEY or else the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa. (Without these dockerode's ssh
 * transport offers no authentication at all.) The remote side runs `docker system dial-stdio`.
 */
export function sshAuthOptions(env: Record<string, string | undefined> = process.env): { agent?: string; privateKey?: Buffer } {
  const out: { agent?: string; privateKey?: Buffer } = {};
  if (env.SSH_AUTH_SOCK) out.agent = env.SSH_AUTH_SOCK;
  const key = env.SWEGYM_SSH_KEY ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => join(env.HOME ?? homedir(), '.ssh', k)).find((p) => existsSync(p));
  if (key) {
    try {
      out.privateKey = readFileSync(key);
    } catch (e) {
      throw new Error(`SWEGYM_SSH_KEY ${key}: cannot read the private key (${(e as Error).message})`);
    }
  }
  return out;
}

/** dockerode options for a DOCKER_HOST value. */
export function dockerOptionsFor(host: string | undefined, env: Record<string, string | undefined> = process.env): Dockerode.DockerOptions | undefined {
  if (!host) return undefined;
  const u = new URL(host);
  if (u.protocol === 'unix:') return { socketPath: u.pathname };
  if (u.protocol === 'ssh:') {
    const auth = sshAuthOptions(env);
    return {
      protocol: 'ssh',
      host: u.hostname,
      port: u.port ? Number(u.port) : 22,
      username: u.username || undefined,
      ...(auth.agent || auth.privateKey ? { sshOptions: auth } : {}),
    } as Dockerode.DockerOptions;
  }
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    return { host: u.hostname, port: u.port ? Number(u.port) : 2375, protocol: u.protocol === 'https:' ? 'https' : 'http' };
  }
  throw new Error(`engine host '${host}': unsupported scheme (unix://, tcp://, ssh://)`);
}

export function makeEngines(specs: EngineSpec[], sessionId: string): Array<Engine & { docker: Dockerode; provider: DockerProvider }> {
  // One DockerProvider per engine; containers carry the session's unique id (not its name) as their session label.
  return specs.map((s) => {
    const docker = new Dockerode(dockerOptionsFor(s.host));
    const ping = () => docker.ping().then(() => true, () => false);
    return { name: s.name, docker, provider: new DockerProvider({ docker, sessionId, engine: s.name }), ping };
  });
}
