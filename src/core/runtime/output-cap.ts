/** Keeps the head and tail of a stream of text and counts what falls in between. */
export class OutputCap {
  private head = '';
  private tail = '';
  private omitted = 0;
  private readonly headMax: number;
  private readonly tailMax: number;

  constructor(maxChars: number) {
    const max = Math.max(0, Math.floor(maxChars));
    this.headMax = Math.ceil(max / 2);
    this.tailMax = max - this.headMax;
  }

  push(chunk: string): void {
    if (!chunk) return;
    if (this.head.length < this.headMax) {
      const take = this.headMax - this.head.length;
      this.head += chunk.slice(0, take);
      chunk = chunk.slice(take);
      if (!chunk) return;
    }
    if (this.tailMax === 0) {
      this.omitted += chunk.length;
      return;
    }
    const joined = this.tail + chunk;
    if (joined.length > this.tailMax) {
      this.omitted += joined.length - this.tailMax;
      this.tail = joined.slice(joined.length - this.tailMax);
    } else {
      this.tail = joined;
    }
  }

  /** The kept text, with a one-line note where the middle was cut. */
  result(): { output: string; omittedChars: number } {
    if (this.omitted === 0) return { output: this.head + this.tail, omittedChars: 0 };
    const note = `\n[... ${this.omitted} characters omitted ...]\n`;
    return { output: this.head + note + this.tail, omittedChars: this.omitted };
  }
}
