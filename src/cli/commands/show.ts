import type { RolloutEvent } from '../../core/events.js';
import { openSession, resolveSessionDir, followSession, sessionRunning, parseRolloutId, rolloutId, type FollowHandle } from '../../core/session/index.js';
import { sanitize, capMiddle, terminalSafeJson } from '../../core/util/index.js';
import { table } from './sessions.js';
import { describeMoatlessEvent } from '../../core/agent/index.js';
import { judgeLiveness, readLiveStatus } from '../../core/scheduler/index.js';
import type { RolloutSummary } from '../../core/session/index.js';
import { hostname } from 'node:os';

export interface ShowOptions {
  session: string;
  instance?: string;
  sample?: number;
  follow?: boolean;
  json?: boolean;
  sessionsDir?: string;
  out?: (line: string) => void;
  /** Where the end-of-batch line goes with --json (stdout stays one event per line); default stderr. */
  err?: (line: string) => void;
  /** Stops --follow (tests, the workbench); default: Ctrl-C. With --instance, --follow also ends when the rollout does. */
  signal?: AbortSignal;
}

/** How often --follow polls the logs (fs.watch is the fast path). */
const FOLLOW_POLL_MS = 250;

const clip = (s: string, n = 2000) => capMiddle(sanitize(s), n).text;

/** One readable line (or a few) per event; every piece of untrusted text goes through the sanitiser. */
export function formatEvent(e: RolloutEvent): string {
  const t = new Date(e.ts).toISOString().slice(11, 19);
  const p = `${t} ${sanitize(e.rollout)}`;
  switch (e.type) {
    case 'rollout_started':
      return `${p} started ${sanitize(e.instance_id)} sample ${e.sample} attempt ${e.attempt}${e.temperature !== undefined ? ` t=${e.temperature}` : ''} agent ${e.agent.kind}${e.agent.model ? `:${sanitize(e.agent.model)}` : ''}`;
    case 'env_starting':
      return `${p} env starting ${sanitize(e.image)}`;
    case 'env_ready':
      return `${p} env ready ${e.container_id.slice(0, 12)} (${e.duration_ms} ms)`;
    case 'model_request':
      return `${p} turn ${e.turn}: request (${e.total_messages} messages)`;
    case 'model_delta':
      return '';
    case 'model_response': {
      const calls = e.tool_calls.map((c) => `${sanitize(c.name)}(${clip(c.arguments, 300)})`).join(' ');
      return `${p} turn ${e.turn}: ${e.content ? clip(e.content, 600) : ''}${calls ? ` -> ${calls}` : ''} [${e.usage.prompt_tokens}+${e.usage.completion_tokens} tok, $${e.cost_usd.toFixed(4)}]`;
    }
    case 'model_retry':
      return `${p} turn ${e.turn}: retry ${e.attempt} in ${e.delay_ms} ms (${clip(e.error, 300)})`;
    case 'tool_start':
      return `${p} $ ${sanitize(e.tool)} ${clip(typeof e.args.command === 'string' ? e.args.command : JSON.stringify(e.args), 600)}`;
    case 'tool_output':
      return '';
    case 'tool_end':
      return `${p} ${e.is_error ? 'error' : 'ok'}${e.exit_code !== undefined ? ` exit ${e.exit_code}` : ''}${e.timed_out ? ' TIMED OUT' : ''} (${e.duration_ms} ms)\n${clip(e.observation)
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}`;
    case 'patch_updated':
      return `${p} patch: ${e.files.map(sanitize).join(', ') || '(empty)'}`;
    case 'agent_stopped':
      return `${p} agent stopped: ${e.reason}${e.message ? ` (${clip(e.message, 300)})` : ''}, ${e.turns} turns, ${e.usage.prompt_tokens + e.usage.completion_tokens} tokens, $${e.cost_usd.toFixed(4)}`;
    case 'verification_started':
      return `${p} verifying (${e.profile})`;
    case 'verification_verdict':
      return `${p} VERDICT ${e.verdict.status}${e.verdict.reason ? ` (${clip(e.verdict.reason, 300)})` : ''}`;
    case 'verifier_score':
      return `${p} verifier ${sanitize(e.verifier)}: ${e.score.toFixed(3)}`;
    case 'rollout_ended':
      return `${p} ended ${e.status}${e.error ? ` (${clip(e.error, 300)})` : ''} after ${(e.duration_ms / 1000).toFixed(1)} s`;
    case 'log':
      return `${p} ${e.level}: ${clip(e.message, 600)}`;
    case 'moatless_setup':
    case 'moatless_transition':
    case 'moatless_action':
    case 'moatless_search':
    case 'moatless_spans':
    case 'moatless_plan':
    case 'moatless_edit':
    case 'moatless_prompt_log': {
      const text = describeMoatlessEvent(e);
      return text === undefined ? '' : `${p} ${text}`;
    }
  }
}

/** How a followed batch ended: done or stopped (its process said so), or crashed (its process is gone without saying so). */
type BatchEnd = 'done' | 'stopped' | 'crashed';

/** Has the session's batch ended? From live.json, which every batch process (CLI or workbench) keeps and finalises. */
function batchEnd(dir: string): BatchEnd | undefined {
  const { status } = readLiveStatus(dir);
  if (!status) return undefined; // no batch process has published yet (or a session of single runs)
  if (status.ended) return status.snapshot.state === 'done' ? 'done' : 'stopped';
  // Not ended: a process on this host that is gone crashed or was killed. A hung one (stale live.json, pid alive) and
  // one on another host may still go on: keep following those.
  const l = judgeLiveness(status, { staleMs: Number.POSITIVE_INFINITY });
  return !l.live && status.host === hostname() ? 'crashed' : undefined;
}

/** The final tally, from the session's index (one row per planned pair, as `swegym show` and `report` count). */
export function batchEndLine(end: BatchEnd, name: string, rows: RolloutSummary[]): string {
  const finished = rows.filter((r) => r.status !== 'queued' && r.status !== 'running');
  const resolved = finished.filter((r) => r.resolved).length;
  const kinds = new Map<string, number>();
  for (const r of finished) if (!r.resolved) kinds.set(r.verdict ?? r.status, (kinds.get(r.verdict ?? r.status) ?? 0) + 1);
  const cost = rows.reduce((n, r) => n + r.cost_usd, 0);
  const rate = finished.length ? ` (${((100 * resolved) / finished.length).toFixed(0)}%)` : '';
  const rest = [...kinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k, n]) => ` · ${n} ${k}`).join('');
  const next = end === 'done' ? `report: swegym report ${name}` : `continue with: swegym resume ${name}`;
  const head = end === 'crashed' ? 'batch process gone (crashed or killed)' : `batch ${end}`;
  return `== ${head}: ${finished.length}/${rows.length} finished · ${resolved} resolved${rate}${rest} · $${cost.toFixed(4)} · ${next}`;
}

export async function showCommand(opts: ShowOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const dir = resolveSessionDir(opts.session, opts.sessionsDir);
  const reader = openSession(dir);
  const print = (e: RolloutEvent) => {
    if (opts.json) out(terminalSafeJson(e));
    else {
      const line = formatEvent(e);
      if (line) out(line);
    }
  };

  let rolloutIds: string[] | undefined;
  if (opts.instance !== undefined) {
    const sample = opts.sample ?? 0;
    const attempts = reader.attemptsOf(opts.instance, sample);
    if (attempts.length === 0 && !opts.follow) {
      console.error(`swegym show: no rollout of ${opts.instance} sample ${sample} in ${dir}`);
      return 1;
    }
    rolloutIds = attempts.map((a) => a.rollout_id);
    // With --follow the follower reads these logs from their start (no gap between "printed" and "followed").
    if (!opts.follow) for (const id of rolloutIds) for (const e of await reader.events(id)) print(e);
  } else if (!opts.follow) {
    const rows = reader.summaries();
    if (opts.json) out(terminalSafeJson(rows, 2));
    else {
      out(table([
        ['INSTANCE', 'SAMPLE', 'STATUS', 'VERDICT', 'STOP', 'TURNS', 'TOKENS', 'COST'],
        ...rows.map((r) => [sanitize(r.instance_id), String(r.sample), r.status, r.verdict ?? '', r.stop_reason ?? '', String(r.turns), String(r.prompt_tokens + r.completion_tokens), `$${r.cost_usd.toFixed(4)}`]),
      ]));
    }
    return 0;
  }
  if (!opts.follow) return 0;

  // Follow: the chosen pair's later attempts too (matched by instance/sample), or every rollout of the session.
  const pair = opts.instance !== undefined ? { instance: opts.instance, sample: opts.sample ?? 0 } : undefined;
  const ofPair = (file: string) => {
    const base = file.replace(/\.jsonl$/, '');
    const id = parseRolloutId(base);
    return id !== undefined && base === rolloutId(pair!.instance, pair!.sample, id.attempt);
  };
  let code = 0;
  await new Promise<void>((resolveDone) => {
    let stop: FollowHandle | undefined;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    /** The latest attempt ended in a status a later attempt may follow (infra retry, resume): wait while the session runs. */
    let mayRetry = false;
    let idleChecks = 0;
    const done = () => {
      if (finished) return;
      finished = true;
      stop?.();
      if (timer) clearInterval(timer);
      process.off('SIGINT', done);
      opts.signal?.removeEventListener('abort', done);
      resolveDone();
    };
    const onEvent = (e: RolloutEvent) => {
      if (finished) return;
      print(e);
      if (!pair) return;
      if (e.type === 'rollout_started') mayRetry = false;
      if (e.type === 'rollout_ended') {
        // A completed (or image-less) attempt is the pair's last: the user's rollout is over.
        if (e.status === 'completed' || e.status === 'no_image') done();
        else mayRetry = true;
      }
    };
    process.on('SIGINT', done);
    if (opts.signal?.aborted) return done();
    opts.signal?.addEventListener('abort', done, { once: true });
    // From the start of every log: what is already there, then what is appended (no gap between the two).
    stop = followSession(dir, onEvent, { fromStart: true, pollMs: FOLLOW_POLL_MS, ...(pair ? { files: ofPair } : {}) });
    if (finished) return stop(); // the pair had already ended: everything is printed
    if (!pair) {
      // The whole session: when its batch ends, print what the logs hold by then, the final tally, and exit; "done"
      // and "hung" must not look the same. The batch writes every event before it marks live.json ended.
      const check = () => {
        const end = batchEnd(dir);
        if (!end || finished) return;
        stop!.flush();
        const line = batchEndLine(end, reader.manifest().name, openSession(dir).summaries());
        (opts.json ? (opts.err ?? ((l: string) => console.error(l))) : out)(line);
        code = end === 'done' ? 0 : end === 'stopped' ? 3 : 1;
        done();
      };
      timer = setInterval(check, FOLLOW_POLL_MS * 2);
      check();
      return;
    }
    // An attempt that ended interrupted/infra_error is final once nobody runs the session. Two checks in a row, with
    // a follower poll between them, so an attempt written just before the runner exited is still printed.
    timer = setInterval(() => {
      idleChecks = mayRetry && !sessionRunning(dir) ? idleChecks + 1 : 0;
      if (idleChecks >= 2) done();
    }, FOLLOW_POLL_MS * 2);
  });
  return code;
}
