/**
 * Keeps the head and tail of a stream of text and counts what falls in between. Linear in the input: the tail is a
 * queue of chunks trimmed from the front, never one string re-sliced per chunk (which made 1 GiB of test output under
 * a 32 MiB tail cost minutes of CPU: every chunk copied the whole tail).
 */
export class OutputCap {
  private head = '';
  private tail: string[] = [];
  private tailLen = 0;
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
    if (chunk.length >= this.tailMax) {
      this.omitted += this.tailLen + chunk.length - this.tailMax;
      this.tail = [chunk.slice(chunk.length - this.tailMax)];
      this.tailLen = this.tailMax;
      return;
    }
    this.tail.push(chunk);
    this.tailLen += chunk.length;
    // Drop whole chunks from the front while the rest still covers the tail, then trim the first one.
    while (this.tailLen - this.tail[0]!.length >= this.tailMax) {
      const first = this.tail.shift()!;
      this.tailLen -= first.length;
      this.omitted += first.length;
    }
    if (this.tailLen > this.tailMax) {
      const cut = this.tailLen - this.tailMax;
      this.tail[0] = this.tail[0]!.slice(cut);
      this.tailLen -= cut;
      this.omitted += cut;
    }
  }

  /** The kept text, with a one-line note where the middle was cut. */
  result(): { output: string; omittedChars: number } {
    const tail = this.tail.join('');
    if (this.omitted === 0) return { output: this.head + tail, omittedChars: 0 };
    const note = `\n[... ${this.omitted} characters omitted ...]\n`;
    return { output: this.head + note + tail, omittedChars: this.omitted };
  }
}
