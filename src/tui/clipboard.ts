/**
 * Copies text to the user's clipboard with OSC 52, the escape sequence terminals (xterm, iTerm2, kitty, WezTerm,
 * Windows Terminal, tmux with set-clipboard) honour even over SSH, where no local clipboard tool can be reached.
 * The payload is our own text (a command we built), base64-encoded, so nothing untrusted is written raw.
 */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

export function copyToClipboard(text: string, out: { write(s: string): unknown } = process.stdout): void {
  // Inside tmux the sequence must be wrapped to reach the outer terminal.
  const seq = osc52(text);
  out.write(process.env.TMUX ? `\x1bPtmux;${seq.replace(/\x1b/g, '\x1b\x1b')}\x1b\\` : seq);
}
