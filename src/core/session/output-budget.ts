import type { RolloutEvent } from '../events.js';

/**
 * What one rollout log may hold of command output. Container output is untrusted and unbounded (the review's agent
 * printed 1 GB in 12 s); the log must stay readable, resumable and small. Per tool step the log keeps the first
 * `stepHeadChars` and the last `stepTailChars` characters of the streamed output, and records how many bytes were
 * left out between them; a step's `observation` (what the agent saw, already capped by the agent) is cut to
 * `observationChars` (head and tail) as a last guard. The raw bytes beyond the head go to a side file
 * `rollouts/<rollout id>.output.txt`, itself capped at `sideFileBytes` per rollout.
 *
 * Bound on a rollout log: (tool steps) x (stepHeadChars + stepTailChars + observationChars) characters of output, plus
 * the model's messages; at most 6 bytes per character once JSON-escaped (control characters), 3 for ordinary text.
 */
export const LOG_LIMITS = {
  stepHeadChars: 64 * 1024,
  stepTailChars: 16 * 1024,
  observationChars: 256 * 1024,
  sideFileBytes: 64 * 1024 * 1024,
};
export type LogLimits = typeof LOG_LIMITS;

type ToolOutputEvent = Extract<RolloutEvent, { type: 'tool_output' }>;

/**
 * Applies the limits to a stream of events: `push` each event in order, and the kept events come out of `emit`.
 * Used by the writer (so logs stay small) and by the reader (so logs written before the limits, or by anything else,
 * load in bounded memory).
 */
export class OutputBudget {
  private step: number | undefined;
  private keptChars = 0;
  private keptBytes = 0;
  private seenBytes = 0;
  private tail = '';
  private last: ToolOutputEvent | undefined;
  private spilled = false;
  /** Output bytes of steps already closed, for the tool_end that follows them. */
  private closed = new Map<number, number>();

  constructor(
    private readonly emit: (e: RolloutEvent) => void,
    private readonly opts: { limits?: Partial<LogLimits>; spill?: (step: number, text: string) => void; sideFile?: string } = {},
  ) {}

  private get limits(): LogLimits {
    return { ...LOG_LIMITS, ...this.opts.limits };
  }

  push(e: RolloutEvent): void {
    if (e.type === 'tool_output') {
      if (e.step !== this.step) this.flush();
      this.output(e);
      return;
    }
    if (e.type === 'tool_end') {
      const bytes = e.step === this.step ? this.seenBytes : this.closed.get(e.step);
      this.flush();
      this.closed.delete(e.step);
      this.emit(this.capObservation(bytes === undefined ? e : { ...e, output_bytes: e.output_bytes ?? bytes }));
      return;
    }
    this.flush();
    this.emit(e);
  }

  /** Ends the current step (its tail is written). Call before closing the log. */
  flush(): void {
    if (this.step === undefined) return;
    if (this.spilled && this.last) {
      const tailBytes = Buffer.byteLength(this.tail, 'utf8');
      const omitted = Math.max(0, this.seenBytes - this.keptBytes - tailBytes);
      const where = this.opts.sideFile ? `; the first ${formatBytes(this.limits.sideFileBytes)} of it per rollout in ${this.opts.sideFile}` : '';
      const note = `\n[... ${omitted} bytes of output omitted from the log${where} ...]\n`;
      this.emit({ ...this.last, chunk: note + this.tail, omitted_bytes: omitted });
    }
    this.closed.set(this.step, this.seenBytes);
    this.step = undefined;
    this.keptChars = this.keptBytes = this.seenBytes = 0;
    this.tail = '';
    this.spilled = false;
    this.last = undefined;
  }

  private output(e: ToolOutputEvent): void {
    const { stepHeadChars, stepTailChars } = this.limits;
    this.step = e.step;
    if (e.omitted_bytes !== undefined) {
      // Already the tail of a capped step (a log written with these limits, read back): kept as it is.
      this.seenBytes += e.omitted_bytes + Buffer.byteLength(e.chunk, 'utf8');
      this.emit(e);
      return;
    }
    this.seenBytes += Buffer.byteLength(e.chunk, 'utf8');
    let rest = e.chunk;
    if (!this.spilled && this.keptChars < stepHeadChars) {
      const head = rest.slice(0, stepHeadChars - this.keptChars);
      this.keptChars += head.length;
      this.keptBytes += Buffer.byteLength(head, 'utf8');
      this.emit(head.length === e.chunk.length ? e : { ...e, chunk: head });
      rest = rest.slice(head.length);
      if (!rest) return;
    }
    this.spilled = true;
    this.last = e;
    this.opts.spill?.(e.step, rest);
    this.tail = rest.length >= stepTailChars ? rest.slice(rest.length - stepTailChars) : (this.tail + rest).slice(-stepTailChars);
  }

  private capObservation<E extends Extract<RolloutEvent, { type: 'tool_end' }>>(e: E): E {
    const max = this.limits.observationChars;
    if (e.observation.length <= max) return e;
    const head = e.observation.slice(0, Math.ceil(max / 2));
    const tail = e.observation.slice(e.observation.length - Math.floor(max / 2));
    const omitted = e.observation.length - head.length - tail.length;
    return { ...e, observation: `${head}\n[... ${omitted} characters omitted from the log ...]\n${tail}`, observation_omitted_chars: omitted };
  }
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
