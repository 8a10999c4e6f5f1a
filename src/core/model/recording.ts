/**
 * A recorded rollout read back as model turns: what the model said each turn (its tool calls, with the
 * observations the recording got for them), the stop reason and the final patch. Turns follow the recording's
 * `model_request`/`model_response` events; a recording without them (the gold agent's) has one call per turn.
 */
import { readFile } from 'node:fs/promises';
import { RolloutEvent, type StopReason } from '../events.js';

export interface RecordedCall {
  step: number;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  /** The recorded observation (undefined when the recording has no tool_end for the call). */
  observation?: string;
  exitCode?: number;
}

export interface RecordedTurn {
  content: string | null;
  calls: RecordedCall[];
}

export interface LoadedTrajectory {
  instanceId?: string;
  turns: RecordedTurn[];
  /** Every call, in order. */
  calls: RecordedCall[];
  recordedReason?: StopReason;
  recordedPatch?: string;
}

/** Reads a trajectory (JSON lines of our RolloutEvents). A bad line is an error naming the file, line and field. */
export async function loadTrajectory(file: string): Promise<LoadedTrajectory> {
  const text = await readFile(file, 'utf8');
  const events: RolloutEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    const r = RolloutEvent.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new Error(`${file}:${i + 1}: field ${issue.path.join('.') || '(event)'}: ${issue.message}`);
    }
    events.push(r.data);
  });
  return trajectoryFromEvents(events);
}

export function trajectoryFromEvents(events: readonly RolloutEvent[]): LoadedTrajectory {
  const turns: (RecordedTurn & { raw: string | null; native: boolean })[] = [];
  const calls: RecordedCall[] = [];
  const byId = new Map<string, RecordedCall>();
  let instanceId: string | undefined;
  let recordedReason: StopReason | undefined;
  let recordedPatch: string | undefined;
  // The turn the next tool_start belongs to; undefined outside a model turn (then each call is a turn of its own).
  let current: (typeof turns)[number] | undefined;
  for (const e of events) {
    if (e.type === 'rollout_started') instanceId = e.instance_id;
    else if (e.type === 'model_request') current = undefined;
    else if (e.type === 'model_response') {
      current = { content: null, calls: [], raw: e.content, native: e.tool_calls.length > 0 };
      turns.push(current);
    } else if (e.type === 'tool_start') {
      const c: RecordedCall = { step: e.step, callId: e.call_id, tool: e.tool, args: e.args };
      calls.push(c);
      byId.set(e.call_id, c);
      if (current) current.calls.push(c);
      else turns.push({ content: null, calls: [c], raw: null, native: true });
    } else if (e.type === 'tool_end') {
      const c = byId.get(e.call_id);
      if (c) {
        c.observation = e.observation;
        c.exitCode = e.exit_code;
      }
    } else if (e.type === 'agent_stopped') recordedReason = e.reason;
    else if (e.type === 'patch_updated') recordedPatch = e.patch;
  }
  // Native replies keep their text next to the calls; a text-format reply's text is the calls themselves, so only
  // the calls are replayed. A turn without calls replays its text (the agent answers it as it did then).
  const out = turns.map((t) => ({ content: t.calls.length === 0 ? (t.raw ?? '') : t.native ? t.raw : null, calls: t.calls }));
  return { instanceId, turns: out, calls, recordedReason, recordedPatch };
}

/**
 * Observations carry details that legitimately change between runs (timings, object addresses, temp names);
 * they are masked before comparing so that only real divergences are reported.
 */
export function normalizeObservation(s: string): string {
  return s
    .replace(/\b\d+(\.\d+)?\s?(s|ms|sec|seconds)\b/g, '<T>')
    .replace(/0x[0-9a-f]{6,}/gi, '0x<ADDR>')
    .replace(/\/tmp\/[\w.-]+/g, '/tmp/<TMP>');
}
