import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { VERSION } from '../version.js';
import { SweGymEnv } from './env.js';
import type { GymContext } from './context.js';
import { GymError, PrefetchRequest, ResetRequest, describeIssues, type ErrorCode, type StepRequest, type StreamLine } from './protocol.js';
import { openApiDocument } from './openapi.js';

export interface GymServerOptions {
  ctx: GymContext;
  host?: string;
  port?: number;
  /** Environments alive at once (default 8). */
  maxEnvs?: number;
  /** Required as `Authorization: Bearer <token>`; mandatory when binding to anything but loopback. */
  token?: string;
  /** A reset over the cap waits for a free slot, or gets 429 at once (default 'wait'). */
  overCap?: 'wait' | '429';
  /** An environment without requests for this long is reaped (default 10 minutes). */
  idleTimeoutMs?: number;
  /** Largest request body accepted (default 16 MiB). */
  maxBodyBytes?: number;
  log?: (line: string) => void;
  /** close() also drains the context's warm pool and closes its recorder (default true). */
  closeContext?: boolean;
}

interface Entry {
  env: SweGymEnv;
  lastSeen: number;
  inflight: number;
  closing?: Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * The Gym protocol over HTTP + JSON (node:http). Environments live until DELETE, until their client goes away
 * (its request was cut off mid-way, or nothing came for the idle timeout), or until the server shuts down; nothing
 * is left behind in any of these cases.
 */
export class GymServer {
  private readonly server: Server;
  private readonly envs = new Map<string, Entry>();
  private readonly waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private pendingResets = 0;
  private readonly inflight = new Set<AbortController>();
  private closing?: Promise<void>;
  private reaper?: NodeJS.Timeout;
  readonly maxEnvs: number;
  private readonly idleTimeoutMs: number;
  private readonly host: string;

  constructor(private readonly opts: GymServerOptions) {
    this.host = opts.host ?? '127.0.0.1';
    if (!isLoopback(this.host) && !opts.token) {
      throw new Error(`binding to ${this.host} (not loopback) requires a token: pass --token (clients send Authorization: Bearer <token>)`);
    }
    this.maxEnvs = opts.maxEnvs ?? 8;
    if (!Number.isInteger(this.maxEnvs) || this.maxEnvs < 1) throw new Error(`max-envs must be a positive integer (got ${opts.maxEnvs})`);
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 10 * 60_000;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
  }

  async listen(): Promise<{ host: string; port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address() as AddressInfo;
    const every = Math.max(50, Math.min(this.idleTimeoutMs / 4, 10_000));
    this.reaper = setInterval(() => void this.reapIdle(), every);
    this.reaper.unref();
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `http://${h}:${addr.port}` };
  }

  get envCount(): number {
    return this.envs.size;
  }

  /** Stops accepting requests, interrupts the running ones, ends every episode, removes every container. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.reaper) clearInterval(this.reaper);
      const stopped = new Promise<void>((r) => this.server.close(() => r()));
      for (const w of this.waiters.splice(0)) w.reject(new GymError(503, 'shutting_down', 'the server is shutting down'));
      for (const a of this.inflight) a.abort(new Error('server shutting down'));
      const all = [...this.envs.values()];
      this.envs.clear();
      await Promise.allSettled(all.map((e) => e.env.close()));
      const own = this.opts.closeContext ?? true;
      if (own) await this.opts.ctx.pool?.drain();
      this.server.closeAllConnections();
      await stopped;
      if (own) this.opts.ctx.recorder.close();
    })();
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const abort = new AbortController();
    this.inflight.add(abort);
    // The client cut the connection before the response was complete: it went away.
    res.on('close', () => {
      this.inflight.delete(abort);
      if (!res.writableFinished) abort.abort(new Error('client went away'));
    });
    try {
      if (this.closing) throw new GymError(503, 'shutting_down', 'the server is shutting down');
      const url = new URL(req.url ?? '/', 'http://x');
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const method = req.method ?? 'GET';
      if (method === 'GET' && path === '/v1/health') return this.send(res, 200, this.health());
      this.authorize(req);
      if (method === 'GET' && path === '/v1/openapi.json') return this.send(res, 200, openApiDocument());
      if (method === 'POST' && path === '/v1/envs') return await this.create(req, res, abort.signal);
      if (method === 'POST' && path === '/v1/pool/prefetch') return await this.prefetch(req, res);
      const m = /^\/v1\/envs\/([^/]+)(\/reset|\/step|\/step\/stream)?$/.exec(path);
      if (m) {
        let id: string;
        try {
          id = decodeURIComponent(m[1]);
        } catch {
          throw new GymError(400, 'bad_request', `malformed %-escape in the path ${JSON.stringify(path)}`);
        }
        if (method === 'DELETE' && !m[2]) return await this.remove(id, res);
        if (method === 'GET' && !m[2]) return this.send(res, 200, this.describe(id));
        if (method === 'POST' && m[2] === '/reset') return await this.reset(id, req, res, abort.signal);
        if (method === 'POST' && m[2] === '/step') return await this.step(id, req, res, abort.signal, false);
        if (method === 'POST' && m[2] === '/step/stream') return await this.step(id, req, res, abort.signal, true);
      }
      throw new GymError(404, 'not_found', `no route ${method} ${path} (see GET /v1/openapi.json)`);
    } catch (e) {
      this.fail(res, e);
    }
  }

  private authorize(req: IncomingMessage) {
    const token = this.opts.token;
    if (!token) return;
    const got = Buffer.from(req.headers.authorization ?? '');
    const want = Buffer.from(`Bearer ${token}`);
    if (got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new GymError(401, 'unauthorized', 'missing or wrong token: send Authorization: Bearer <token>');
    }
  }

  private health() {
    const pool = this.opts.ctx.pool?.stats();
    return {
      ok: !this.closing,
      version: VERSION,
      envs: this.envs.size,
      max_envs: this.maxEnvs,
      waiting: this.waiters.length,
      pool: { warm: pool?.warm ?? 0, starting: pool?.starting ?? 0, limit_total: pool?.limit_total ?? 0, limit_per_instance: pool?.limit_per_instance ?? 0 },
      ...(this.opts.ctx.recorder.name ? { session: this.opts.ctx.recorder.name } : {}),
    };
  }

  private describe(id: string) {
    const e = this.entry(id);
    return { env_id: id, state: e.env.state, instance_id: e.env.instanceId, rollout_id: e.env.rolloutId, busy: e.env.isBusy };
  }

  private entry(id: string): Entry {
    const e = this.envs.get(id);
    if (!e || e.closing) throw new GymError(404, 'unknown_env', `unknown env id '${id}' (closed, reaped after the idle timeout, or never created)`);
    return e;
  }

  private async create(req: IncomingMessage, res: ServerResponse, signal: AbortSignal) {
    const body = parse(ResetRequest, await this.body(req));
    if (!this.opts.ctx.tasks.has(body.instance_id)) {
      throw new GymError(404, 'unknown_instance', `unknown instance_id '${body.instance_id}' (the server's dataset has ${this.opts.ctx.tasks.size} instance(s))`);
    }
    await this.acquireSlot(signal);
    const env = new SweGymEnv(this.opts.ctx);
    const entry: Entry = { env, lastSeen: Date.now(), inflight: 1 };
    this.envs.set(env.id, entry);
    this.pendingResets--;
    try {
      const out = await env.reset(body, { signal });
      entry.inflight--;
      entry.lastSeen = Date.now();
      this.opts.log?.(`env ${env.id}: ${body.instance_id} (${out.info.warm ? 'warm' : 'cold'}, ${out.info.reset_ms} ms)`);
      this.send(res, 201, out);
    } catch (e) {
      await this.drop(env.id);
      throw e;
    }
  }

  private async reset(id: string, req: IncomingMessage, res: ServerResponse, signal: AbortSignal) {
    const e = this.entry(id);
    const body = parse(ResetRequest, await this.body(req));
    await this.track(e, signal, async () => this.send(res, 200, await e.env.reset(body, { signal })));
  }

  private async step(id: string, req: IncomingMessage, res: ServerResponse, signal: AbortSignal, stream: boolean) {
    const e = this.entry(id);
    const raw = await this.body(req);
    // The action itself is checked by the environment's parser, whose messages say what was wrong with it.
    if (!raw || typeof raw !== 'object' || Array.isArray(raw) || !('action' in raw)) {
      throw new GymError(400, 'malformed_action', `body must be {"action": {"name": ..., "arguments": {...}}} or {"action": "<function=...>...</function>"}`);
    }
    const body = raw as StepRequest;
    if (!stream) {
      return this.track(e, signal, async () => {
        const t0 = performance.now();
        const out = await e.env.step(body.action, { signal });
        // The environment's own time, so a client can tell the protocol's overhead from the step's work.
        this.send(res, 200, out, { 'server-timing': `step;dur=${(performance.now() - t0).toFixed(3)}` });
      });
    }
    // Headers go out with the first chunk, so an action rejected up front is still a plain 4xx JSON error.
    const line = (l: StreamLine) => {
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      res.write(JSON.stringify(l) + '\n');
    };
    await this.track(e, signal, async () => {
      try {
        const result = await e.env.step(body.action, { signal, onOutput: (chunk) => line({ type: 'output', chunk }) });
        line({ type: 'result', result });
        res.end();
      } catch (err) {
        if (!res.headersSent) throw err;
        const g = asGymError(err);
        line({ type: 'error', error: { code: g.code, message: g.message } });
        res.end();
      }
    });
  }

  private async remove(id: string, res: ServerResponse) {
    this.entry(id);
    await this.drop(id);
    this.send(res, 200, { env_id: id, closed: true });
  }

  private async prefetch(req: IncomingMessage, res: ServerResponse) {
    const body = parse(PrefetchRequest, await this.body(req));
    const unknown = body.instance_ids.filter((i) => !this.opts.ctx.tasks.has(i));
    if (unknown.length > 0) throw new GymError(404, 'unknown_instance', `unknown instance_id(s): ${unknown.join(', ')}`);
    const accepted = this.opts.ctx.pool?.prefetch(body.instance_ids.map((i) => this.opts.ctx.tasks.get(i)!)) ?? [];
    this.send(res, 202, { accepted });
  }

  /** Runs a request on an environment; a client that goes away mid-request takes its environment with it. */
  private async track(e: Entry, signal: AbortSignal, fn: () => Promise<void>) {
    e.inflight++;
    e.lastSeen = Date.now();
    try {
      await fn();
    } finally {
      e.inflight--;
      e.lastSeen = Date.now();
      if (signal.aborted && !this.closing) await this.drop(e.env.id);
    }
  }

  private async drop(id: string) {
    const e = this.envs.get(id);
    if (!e) return;
    // Counted (and listed) until its container is gone, so a free slot means a removed container.
    e.closing ??= e.env.close().catch((err: unknown) => this.opts.log?.(`env ${id}: close failed: ${String(err)}`));
    await e.closing;
    if (this.envs.get(id) === e) {
      this.envs.delete(id);
      this.opts.log?.(`env ${id}: closed`);
      this.wake();
    }
  }

  private async acquireSlot(signal: AbortSignal) {
    if (this.envs.size + this.pendingResets < this.maxEnvs) {
      this.pendingResets++;
      return;
    }
    if ((this.opts.overCap ?? 'wait') === '429') {
      throw new GymError(429, 'over_capacity', `all ${this.maxEnvs} environments are in use; close one (DELETE /v1/envs/{id}) or retry later`);
    }
    await new Promise<void>((resolve, reject) => {
      const w = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new GymError(499 as number, 'bad_request', 'the client went away while waiting for a free environment'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  private wake() {
    while (this.waiters.length > 0 && this.envs.size + this.pendingResets < this.maxEnvs) {
      const w = this.waiters.shift()!;
      // The slot is reserved here, for the waiter, so two waiters never take the same one.
      this.pendingResets++;
      w.resolve();
    }
  }

  private async reapIdle() {
    const now = Date.now();
    const idle = [...this.envs].filter(([, e]) => !e.closing && e.inflight === 0 && !e.env.isBusy && now - e.lastSeen > this.idleTimeoutMs);
    await Promise.all(
      idle.map(([id, e]) => {
        this.opts.log?.(`env ${id}: idle for ${Math.round((now - e.lastSeen) / 1000)}s, reaping`);
        return this.drop(id);
      }),
    );
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const max = this.opts.maxBodyBytes ?? 16 * 1024 * 1024;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > max) throw new GymError(413 as number, 'bad_request', `request body over ${max} bytes`);
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new GymError(400, 'bad_request', `request body is not valid JSON: ${(e as Error).message}`);
    }
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: ServerResponse, e: unknown) {
    const g = asGymError(e);
    if (g.status >= 500) this.opts.log?.(`error: ${g.message}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    const headers: Record<string, string> = {};
    if (g.status === 429) headers['retry-after'] = '1';
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify({ error: { code: g.code, message: g.message } });
    res.writeHead(g.status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: import('zod').ZodError } }, v: unknown, code: ErrorCode = 'bad_request'): T {
  const r = schema.safeParse(v);
  if (!r.success) throw new GymError(400, code, describeIssues(r.error));
  return r.data;
}

function asGymError(e: unknown): GymError {
  if (e instanceof GymError) return e;
  return new GymError(500, 'internal', e instanceof Error ? e.message : String(e));
}
