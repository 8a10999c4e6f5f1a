import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ProfileName } from '../../core/harness/index.js';
import { loadTasks } from '../../core/dataset/index.js';
import { loadSpecRegistry, DockerProvider, SESSION_LABEL, removeLiveContainersSync } from '../../core/runtime/index.js';

/** Marks the containers of `swegym serve`. */
const ORIGIN_LABEL = 'io.swegym.origin';
import { DEFAULT_SESSIONS_DIR, acquireSessionLock, newSessionName } from '../../core/session/index.js';
import { sanitize, sessionNameProblem } from '../../core/util/index.js';
import { createGymContext, coldPrepare, defaultImageResolver, WarmPool, EpisodeRecorder, GymServer, isLoopback } from '../../core/gym/index.js';

export interface ServeCommandOptions {
  host?: string;
  port?: number;
  maxEnvs?: number;
  /** Session the episodes are recorded in (created, or appended to when it exists). */
  session?: string;
  dataset?: string;
  /** Bearer token; required when binding to anything but loopback. SWEGYM_GYM_TOKEN is read when unset. */
  token?: string;
  overCap?: 'wait' | '429';
  /** Seconds without requests before an environment is reaped. */
  idleTimeout?: number;
  /** Warm environments kept per instance (0: no pool). */
  poolSize?: number;
  /** Warm environments in total (default: max-envs). */
  poolTotal?: number;
  sessionsDir?: string;
  profile?: string;
  envSpec?: string[];
  maxSteps?: number;
  /** Episode wall-clock limit in seconds. */
  timeLimit?: number;
  reward?: 'binary' | 'f2p_fraction';
  rewardGuard?: string;
}

type Out = { line(s: string): void; err(s: string): void };
const stdio: Out = { line: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

/**
 * `swegym serve`: the Gym API over HTTP for RL trainers. Runs until SIGINT/SIGTERM, then ends every episode and
 * removes every container. Exit code 0 after a clean shutdown, 2 on bad input, 1 when the server cannot start.
 */
export async function serveCommand(opts: ServeCommandOptions, out: Out = stdio): Promise<number> {
  const bad = (msg: string) => {
    out.err(`swegym serve: ${msg}`);
    return 2;
  };
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? process.env.SWEGYM_GYM_TOKEN;
  if (!isLoopback(host) && !token) return bad(`binding to ${host} (not loopback) requires --token (or SWEGYM_GYM_TOKEN)`);
  if (opts.session !== undefined) {
    const problem = sessionNameProblem(opts.session);
    if (problem) return bad(`--session ${problem}`);
  }
  const maxEnvs = opts.maxEnvs ?? 8;
  if (!Number.isInteger(maxEnvs) || maxEnvs < 1) return bad(`--max-envs must be a positive integer (got ${opts.maxEnvs})`);
  if (opts.overCap && opts.overCap !== 'wait' && opts.overCap !== '429') return bad(`--over-cap must be 'wait' or '429' (got ${String(opts.overCap)})`);
  if (opts.reward && opts.reward !== 'binary' && opts.reward !== 'f2p_fraction') return bad(`--reward must be 'binary' or 'f2p_fraction'`);
  if (opts.rewardGuard && opts.rewardGuard !== 'off' && opts.rewardGuard !== 'strict') return bad(`--reward-guard must be 'off' or 'strict' (got ${JSON.stringify(opts.rewardGuard)})`);
  for (const [name, v] of [['--port', opts.port], ['--pool-size', opts.poolSize], ['--pool-total', opts.poolTotal], ['--idle-timeout', opts.idleTimeout], ['--max-steps', opts.maxSteps], ['--time-limit', opts.timeLimit]] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) return bad(`${name} must be a non-negative number (got ${v})`);
  }
  let profile: ProfileName | undefined;
  if (opts.profile) {
    const p = ProfileName.safeParse(opts.profile);
    if (!p.success) return bad(`--profile must be one of ${ProfileName.options.join(', ')}`);
    profile = p.data;
  }

  const datasetRef = opts.dataset ?? 'samples';
  let loaded: Awaited<ReturnType<typeof loadTasks>>;
  let specs: ReturnType<typeof loadSpecRegistry>;
  try {
    loaded = await loadTasks(datasetRef);
    specs = loadSpecRegistry(opts.envSpec ?? []);
  } catch (e) {
    return bad(sanitize(e instanceof Error ? e.message : String(e)));
  }
  if (loaded.tasks.length === 0) return bad(`no instances in ${datasetRef}`);

  const sessionsDir = opts.sessionsDir ?? DEFAULT_SESSIONS_DIR;
  const name = opts.session ?? newSessionName('gym');
  const dir = resolve(join(sessionsDir, name));
  const recorder = EpisodeRecorder.openOrCreate(dir, {
    name,
    // 'samples' is the bundled dataset's name, not a path (the checkout has a samples/ folder too): keep it as batch
    // does, so that score / export can load the session's tasks again.
    datasetRef: datasetRef !== 'samples' && existsSync(datasetRef) ? resolve(datasetRef) : datasetRef,
    datasetSha: loaded.source.sha256,
    tasks: loaded.tasks,
    config: { max_envs: maxEnvs, profile: profile ?? 'default per dataset', reward: opts.reward ?? 'binary', reward_guard: opts.rewardGuard ?? 'off' },
  });
  const unlock = acquireSessionLock(dir);

  // Containers carry the session's unique id and the origin label: a serve that was SIGKILLed leaves containers
  // whose creator is gone, and the next serve (any session) removes them before it starts.
  const provider = new DockerProvider({ sessionId: recorder.sessionId, labels: { [ORIGIN_LABEL]: 'serve' } });
  try {
    const swept = await provider.sweep({ [ORIGIN_LABEL]: 'serve' }, { leftovers: true });
    if (swept > 0) out.line(`-- removed ${swept} leftover container(s) of a server that was killed`);
  } catch (e) {
    out.err(`swegym serve: cannot list containers: ${sanitize(e instanceof Error ? e.message : String(e))}`);
  }
  // Signals are handled below (a graceful close that ends every episode); the generic handlers would race it.
  const lastResort = removeLiveContainersSync;
  process.on('exit', lastResort);
  const specFor = (t: (typeof loaded.tasks)[number]) => specs.lookup(t.repo, String(t.version));
  const ctx = await createGymContext({
    tasks: loaded.tasks,
    provider,
    specFor,
    images: defaultImageResolver(specFor, { provider }),
    recorder,
    profile,
    verifyLogRoot: join(dir, 'verify'),
    defaults: {
      ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
      ...(opts.timeLimit ? { timeLimitSec: opts.timeLimit } : {}),
      ...(opts.reward ? { reward: opts.reward } : {}),
      ...(opts.rewardGuard ? { rewardGuard: opts.rewardGuard as 'off' | 'strict' } : {}),
    },
  });
  const poolSize = opts.poolSize ?? 1;
  if (poolSize > 0) {
    ctx.pool = new WarmPool({
      prepare: (t) => coldPrepare(ctx, t),
      perInstance: poolSize,
      total: opts.poolTotal ?? maxEnvs,
      onError: (id, e) => out.err(`pool: ${id}: ${sanitize(e instanceof Error ? e.message : String(e))}`),
    });
  }

  let server: GymServer;
  let addr: { url: string };
  try {
    server = new GymServer({
      ctx,
      host,
      port: opts.port ?? 8765,
      maxEnvs,
      token,
      overCap: opts.overCap,
      idleTimeoutMs: (opts.idleTimeout ?? 600) * 1000,
      log: (l) => out.line(`-- ${sanitize(l)}`),
    });
    addr = await server.listen();
  } catch (e) {
    await ctx.pool?.drain();
    recorder.close();
    unlock();
    process.off('exit', lastResort);
    out.err(`swegym serve: ${sanitize(e instanceof Error ? e.message : String(e))}`);
    return 1;
  }
  out.line(`swegym gym server on ${addr.url} (${loaded.tasks.length} instance(s), up to ${maxEnvs} env(s), session ${name} at ${dir})`);
  out.line(`protocol: ${addr.url}/v1/openapi.json`);

  await new Promise<void>((done) => {
    const stop = (sig: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      out.line(`-- ${sig}: closing every environment`);
      done();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  try {
    await server.close();
    // Anything of this session still there (a verification that outlived its env): never leave containers.
    await provider.sweep({ [ORIGIN_LABEL]: 'serve', [SESSION_LABEL]: provider.sessionId }, { leftovers: true, includeOwn: true }).catch(() => 0);
  } finally {
    unlock();
    process.off('exit', lastResort);
  }
  out.line('-- stopped: no environment left');
  return 0;
}
