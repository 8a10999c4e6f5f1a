import { onPath } from '../util/process.js';
import { mkdirSync, readdirSync, lstatSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { dockerOptionsFor, type EngineSpec } from '../scheduler/engines.js';
import { loadTasks } from '../dataset/load.js';
import { parseHfName, resolveHfDataset } from '../dataset/hf.js';
import { loadSpecRegistry } from '../runtime/spec-registry.js';
import { baseImageTag } from '../runtime/base-image.js';
import { imageExists } from '../runtime/build-container.js';
import { instanceImageCandidates } from '../runtime/image-names.js';
import { makeClient } from '../model/index.js';
import type { CheckResult, CheckStatus } from './types.js';

export const DOCKER_INSTALL_FIX =
  'install and start an engine (as root): apt-get update && apt-get install -y docker.io debootstrap && ' +
  'nohup dockerd --bridge=none --iptables=false --ip-forward=false >/var/log/dockerd.log 2>&1 &  ' +
  '(or run `SWEGYM_INSTALL_DOCKER=1 bash scripts/start.sh`, which does it)';

/** The one thing to do when an engine does not answer, depending on what is there. */
function engineFix(spec: EngineSpec): string {
  if (spec.host) return `start the engine at ${spec.host}, or remove it from SWEGYM_ENGINES / swegym.config.json`;
  if (process.env.DOCKER_HOST) return `DOCKER_HOST=${process.env.DOCKER_HOST} does not answer: start that engine, or unset DOCKER_HOST to use the local one`;
  if (onPath('dockerd')) return 'dockerd is installed but not running: nohup dockerd --bridge=none --iptables=false --ip-forward=false >/var/log/dockerd.log 2>&1 &';
  return DOCKER_INSTALL_FIX;
}


type Partial_ = Omit<CheckResult, 'ms'>;

/** Runs one check, timing it; a thrown error becomes a failed check with the message as detail. */
export async function timed(id: string, title: string, fn: () => Promise<Partial_ | Omit<Partial_, 'id' | 'title'>>): Promise<CheckResult> {
  const t0 = performance.now();
  try {
    const r = await fn();
    return { id, title, ...r, ms: Math.round(performance.now() - t0) } as CheckResult;
  } catch (e) {
    return { id, title, status: 'fail', detail: (e as Error).message, ms: Math.round(performance.now() - t0) };
  }
}

function res(status: CheckStatus, detail: string, fix?: string) {
  return fix ? { status, detail, fix } : { status, detail };
}

/** Rejects after `ms` so that a silent engine or endpoint cannot hang the doctor. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]);
}

export function checkNode(version = process.versions.node) {
  const major = Number(version.split('.')[0]);
  return timed('node', 'Node.js', async () =>
    major >= 22
      ? res('ok', `v${version}`)
      : res('fail', `v${version} is older than 22`, 'bash scripts/start.sh installs Node 24 from the npm registry into .cache/node'),
  );
}

export function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** Free bytes under a local path, or undefined when it cannot be read (remote engine, no permission). */
function freeBytes(path: string): number | undefined {
  try {
    const s = statfsSync(path);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** Below this, an image build or a batch of rollouts is likely to fill the disk. */
const LOW_DISK_BYTES = 10 * 1024 ** 3;

export interface EngineFound {
  spec: EngineSpec;
  docker: Dockerode;
  ok: boolean;
}

export async function checkEngine(spec: EngineSpec, timeoutMs: number): Promise<{ result: CheckResult; found: EngineFound }> {
  const docker = new Dockerode(dockerOptionsFor(spec.host));
  let ok = false;
  const where = spec.host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const result = await timed(`engine:${spec.name}`, `Docker engine ${spec.name}`, async () => {
    try {
      await withTimeout(docker.ping(), timeoutMs, where);
    } catch (e) {
      return res('fail', `not reachable at ${where} (${(e as Error).message})`, engineFix(spec));
    }
    ok = true;
    const info = (await withTimeout(docker.info(), timeoutMs, where)) as { ServerVersion?: string; Driver?: string; DockerRootDir?: string };
    const local = !spec.host || spec.host.startsWith('unix:');
    const free = local && info.DockerRootDir ? freeBytes(info.DockerRootDir) : undefined;
    const detail = `Docker ${info.ServerVersion ?? '?'} at ${where}, storage ${info.Driver ?? '?'}${free !== undefined ? `, ${gib(free)} free under ${info.DockerRootDir}` : ''}`;
    if (free !== undefined && free < LOW_DISK_BYTES) return res('warn', detail, `free disk under ${info.DockerRootDir} (instance images take 0.5-1 GB each): \`swegym images --prune --unused\` or \`docker image prune\``);
    return res('ok', detail);
  });
  return { result, found: { spec, docker, ok } };
}

/** The images the bundled samples (or the given dataset) need: present, or built on first use. */
export async function checkImages(docker: Dockerode, datasetArg: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const base = baseImageTag(['python3', 'python3-pytest']);
  out.push(
    await timed('base-image', 'Base image', async () => {
      if (await imageExists(docker, base)) return res('ok', `${base} present`);
      if (hasDebootstrap()) return res('warn', `${base} not built yet`, 'nothing to do: built from Debian packages on first use (about 60 s)');
      return res('fail', `${base} not built and debootstrap is missing`, 'apt-get install -y debootstrap (or use images from a registry: --image-template)');
    }),
  );
  if (datasetArg !== 'samples') return out;
  out.push(
    await timed('sample-images', 'Sample task images', async () => {
      const { tasks } = await loadTasks('samples');
      let present = 0;
      for (const t of tasks) {
        for (const name of instanceImageCandidates(t)) {
          if (await imageExists(docker, name)) {
            present++;
            break;
          }
        }
      }
      const detail = `${present} of ${tasks.length} present`;
      return present === tasks.length ? res('ok', detail) : res('warn', detail, 'nothing to do: built offline on first use (about 15 s each after the base image)');
    }),
  );
  return out;
}

function hasDebootstrap(): boolean {
  return onPath('debootstrap');
}

/** Starts a throwaway container with no network and times it: proves the engine can run what rollouts run. */
export async function checkContainerStart(docker: Dockerode, timeoutMs: number): Promise<CheckResult> {
  return timed('container', 'Container start (--network none)', async () => {
    const images = (await docker.listImages()) as Array<{ RepoTags?: string[] | null }>;
    const base = baseImageTag(['python3', 'python3-pytest']);
    const tags = images.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const image = tags.find((t) => t === base) ?? tags.find((t) => t.startsWith('swegym-base')) ?? tags.find((t) => t.startsWith('sweb.eval.'));
    if (!image) return res('skip', 'no swegym image to start yet (built on first use)');
    const t0 = performance.now();
    const c = await docker.createContainer({
      Image: image,
      Cmd: ['sh', '-c', 'cat /proc/net/dev | grep -c : || true'],
      Labels: { 'io.swegym.managed': '1', 'io.swegym.doctor': '1' },
      HostConfig: { NetworkMode: 'none', Memory: 256 * 1024 ** 2, PidsLimit: 64, AutoRemove: false },
    });
    try {
      await withTimeout(c.start(), timeoutMs, 'container start');
      const r = (await withTimeout(c.wait(), timeoutMs, 'container run')) as { StatusCode: number };
      const ms = Math.round(performance.now() - t0);
      if (r.StatusCode !== 0) return res('fail', `${image} exited ${r.StatusCode}`, 'see `docker logs` of a container started from it; rebuild with `swegym images --prune --all`');
      return res('ok', `${image} started and exited in ${ms} ms, network none`);
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }
  });
}

function dirSize(dir: string, budget = { files: 200_000 }): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    if (budget.files-- <= 0) break;
    const p = join(dir, n);
    try {
      const st = lstatSync(p);
      total += st.isDirectory() ? dirSize(p, budget) : st.size;
    } catch {
      /* vanished while walking */
    }
  }
  return total;
}

export function checkSessionsDir(dir: string) {
  return timed('sessions', 'Sessions folder', async () => {
    try {
      mkdirSync(dir, { recursive: true });
      const probe = join(dir, `.doctor-${process.pid}`);
      writeFileSync(probe, 'ok');
      rmSync(probe);
    } catch (e) {
      return res('fail', `${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'pass --sessions-dir <a writable folder>');
    }
    const size = dirSize(dir);
    const free = freeBytes(dir);
    const detail = `${dir}: writable, ${(size / 1024 ** 2).toFixed(1)} MiB used${free !== undefined ? `, ${gib(free)} free` : ''}`;
    return free !== undefined && free < 1024 ** 3 ? res('warn', detail, 'free disk: each rollout log takes up to a few MB') : res('ok', detail);
  });
}

/**
 * An OpenAI-compatible endpoint: reachable, the model listed, a one-token completion, and whether the legacy
 * completions API returns echoed logprobs (the `llm` verifier scores P(YES) from them).
 */
export async function checkEndpoint(baseUrl: string, model: string | undefined, apiKey: string | undefined, timeoutMs: number): Promise<CheckResult[]> {
  const client = makeClient(baseUrl, apiKey, timeoutMs);
  // Error bodies may echo a rejected key: never print it.
  const mask = (s: string) => (apiKey ? s.split(apiKey).join('***') : s);
  const out: CheckResult[] = [];
  let listed: string[] = [];
  const reach = await timed('endpoint', `Endpoint ${baseUrl}`, async () => {
    try {
      const page = await client.models.list();
      listed = page.data.map((m) => m.id);
    } catch (e) {
      return res('fail', mask(`not reachable or refused (${(e as Error).message})`), 'start the server (e.g. `vllm serve <model>`), or check --base-url and the key variable');
    }
    if (model && !listed.includes(model)) return res('fail', `model '${model}' is not listed (listed: ${listed.slice(0, 5).join(', ') || 'none'})`, `pass --model with one of the listed names`);
    return res('ok', `reachable, ${listed.length} model(s) listed${model ? `, '${model}' among them` : ''}`);
  });
  out.push(reach);
  if (reach.status !== 'ok') return out;
  const name = model ?? listed[0];
  if (!name) return out;
  out.push(
    await timed('endpoint-chat', 'One-token chat completion', async () => {
      try {
        const r = await client.chat.completions.create({ model: name, messages: [{ role: 'user', content: 'Say OK.' }], max_tokens: 1, temperature: 0 });
        return res('ok', `'${name}' answered (${JSON.stringify(r.choices[0]?.message?.content ?? '')})`);
      } catch (e) {
        return res('fail', mask(`'${name}' did not answer (${(e as Error).message})`), 'check the model name and the server log');
      }
    }),
  );
  out.push(
    await timed('endpoint-logprobs', 'Echoed prompt logprobs (llm verifier)', async () => {
      try {
        const r = await client.completions.create({ model: name, prompt: 'Is this correct? YES', max_tokens: 1, temperature: 0, echo: true, logprobs: 1 });
        const lp = r.choices[0]?.logprobs as { token_logprobs?: unknown[] } | null | undefined;
        if (lp && Array.isArray(lp.token_logprobs) && lp.token_logprobs.length > 0) return res('ok', `returned for ${lp.token_logprobs.length} token(s)`);
        return res('warn', 'the completions API answered without logprobs', 'the llm verifier falls back to parsed answers; serve with logprobs enabled (vLLM and SGLang do by default)');
      } catch (e) {
        return res('warn', mask(`the completions API refused echo+logprobs (${(e as Error).message})`), 'the llm verifier needs /v1/completions with echo and logprobs (vLLM, SGLang); agents do not');
      }
    }),
  );
  return out;
}

export function checkHub(dataset: string, timeoutMs: number): Promise<CheckResult> | undefined {
  const name = parseHfName(dataset);
  if (!name) return undefined;
  return timed('hub', `Hugging Face dataset ${name.repo}`, async () => {
    const r = await withTimeout(resolveHfDataset(name), timeoutMs * 6, 'the Hugging Face hub');
    return res(r.notes.length ? 'warn' : 'ok', `${r.files.length} parquet file(s) in ${r.dir}${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`, r.notes.length ? 'the hub is unreachable: the cached copy is used' : undefined);
  });
}

export function checkSpecs(extraFiles: string[]) {
  return timed('specs', 'Environment specs', async () => {
    loadSpecRegistry(extraFiles);
    return res('ok', `built-in specs${extraFiles.length ? ` + ${extraFiles.join(', ')}` : ''} load`);
  });
}
