import './force-color.js';
import React from 'react';
import { render } from 'ink-testing-library';
import { ThemeContext } from '../../src/tui/components/theme-context.js';
import { KeysContext } from '../../src/tui/components/keys-context.js';
import { loadTheme, type Theme } from '../../src/tui/theme.js';
import { defaultBindings } from '../../src/tui/keys.js';

export const KEYS = {
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  up: '\x1b[A',
  down: '\x1b[B',
  pageDown: '\x1b[6~',
  backspace: '\x7f',
  ctrlC: '\x03',
};

// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

export function Wrap({ children, theme }: { children: React.ReactNode; theme?: Theme }): React.JSX.Element {
  return (
    <ThemeContext.Provider value={theme ?? loadTheme({ name: 'dark' })}>
      <KeysContext.Provider value={defaultBindings()}>{children}</KeysContext.Provider>
    </ThemeContext.Provider>
  );
}

export function renderWith(el: React.ReactElement, theme?: Theme) {
  return render(<Wrap theme={theme}>{el}</Wrap>);
}

export const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Generous: a wait returns as soon as its frame is there, and a loaded CI machine can be many times slower. */
const WAIT_MS = 30_000;

/** Polls the last frame until `pred` holds (no fixed sleeps). */
export async function waitFrame(r: { lastFrame(): string | undefined }, pred: (plain: string, raw: string) => boolean, timeoutMs = WAIT_MS): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const raw = r.lastFrame() ?? '';
    if (pred(stripAnsi(raw), raw)) {
      // Let React run the passive effects of this frame (input handlers re-subscribe there).
      await tick(40);
      return raw;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`frame never matched; last frame:\n${stripAnsi(raw)}`);
    await tick(10);
  }
}

/** Ink holds a lone ESC this long (it may begin an escape sequence) before it hands it to the app as Esc. */
const INK_ESC_FLUSH_MS = 20;

/** Types keys one by one, letting Ink process each. */
export async function press(r: { stdin: { write(s: string): void } }, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    r.stdin.write(k);
    // After a lone ESC, wait past Ink's flush timer (timers fire in expiry order, so this one fires after it, however
    // loaded the machine): a key written earlier would join the ESC into one sequence (ESC q = Alt-q, not Esc then q).
    await tick(k === KEYS.esc ? INK_ESC_FLUSH_MS + 10 : 15);
  }
}

/** The last frame once no new frame has come for `quietMs` (for a comparison of whole screens after the last event). */
export async function settled(r: { frames: string[]; lastFrame(): string | undefined }, quietMs = 300, maxMs = WAIT_MS): Promise<string> {
  const t0 = Date.now();
  let n = r.frames.length;
  for (let quiet = 0; quiet < quietMs && Date.now() - t0 < maxMs; quiet += 20) {
    await tick(20);
    if (r.frames.length !== n) (n = r.frames.length), (quiet = 0);
  }
  return r.lastFrame() ?? '';
}

/** Lines of a frame, plain. */
export const rows = (frame: string): string[] => stripAnsi(frame).split('\n');

/** Polls until `pred` holds (keys are handled one per render, so their effects may land a few frames later). */
export async function until(pred: () => boolean, what = 'condition', timeoutMs = WAIT_MS): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await tick(10);
  }
  await tick(20);
}
