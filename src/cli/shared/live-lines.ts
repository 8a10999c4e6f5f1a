import { sanitize } from '../../core/util/index.js';

/**
 * A block of live lines at the bottom of a terminal stream (one per running job), redrawn in place, with permanent
 * lines printed above it. Everything drawn is sanitised first: job labels and steps can quote container output.
 */
export class LiveLines {
  private lines = new Map<string, () => string>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly columns: () => number = () => process.stderr.columns ?? 80,
    refreshMs = 250,
  ) {
    // The elapsed time moves even while a job says nothing; unref'd so a finished command never waits on it.
    if (refreshMs > 0) {
      this.timer = setInterval(() => this.lines.size && this.redraw(), refreshMs);
      this.timer.unref();
    }
  }

  /** Sets (or replaces) a live line; its text is computed at every redraw so times stay current. */
  set(key: string, render: () => string): void {
    this.lines.set(key, render);
    this.redraw();
  }

  delete(key: string): void {
    if (this.lines.delete(key)) this.redraw();
  }

  /** A line that stays: printed above the live block. */
  print(line: string): void {
    this.clear();
    this.write(`${sanitize(line)}\n`);
    this.draw();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
    this.lines.clear();
  }

  private redraw(): void {
    this.clear();
    this.draw();
  }

  private clear(): void {
    if (this.drawn === 0) return;
    // Up to the first live line, then clear to the end of the screen.
    this.write(`\r${this.drawn > 1 ? `\x1b[${this.drawn - 1}A` : ''}\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const width = Math.max(20, this.columns() - 1);
    const rows = [...this.lines.values()].map((r) => fit(sanitize(r()), width));
    if (rows.length === 0) return;
    this.write(rows.join('\n'));
    this.drawn = rows.length;
  }
}

/** Cut to the terminal width, keeping the end (elapsed time, n of m) when the middle has to go. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const tail = Math.min(24, Math.floor(width / 3));
  return `${chars.slice(0, width - tail - 1).join('')}…${chars.slice(chars.length - tail).join('')}`;
}
