/**
 * The one truncation rule of the workbench. What a researcher decides by comes first and is never cut (verdict,
 * step n/m, elapsed, cost); identifiers that share a prefix lose it, then are cut in the middle (the end of an
 * instance id is what tells rows apart); reasons and failing tests wrap, prose wraps at word boundaries.
 */
import { truncate, wrapLines } from './text.js';

const len = (s: string): number => Array.from(s).length;

/** Cuts the middle out: `swegym-samples__durations-12` -> `swegym…tions-12`. */
export function middleCut(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(chars.length - width).join('');
  const tail = Math.ceil((width - 1) * 0.6);
  const head = width - 1 - tail;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/**
 * The prefix every id shares, up to a separator (`__`, `/`, `-`, `_`, `.`), so that what remains still reads as a
 * name: [`swegym-samples__ledger-8`, `swegym-samples__durations-12`] -> `swegym-samples__`. Empty for one id.
 */
export function commonPrefix(ids: readonly string[]): string {
  if (ids.length < 2) return '';
  let p = ids[0]!;
  for (const id of ids) {
    let i = 0;
    while (i < p.length && i < id.length && p[i] === id[i]) i++;
    p = p.slice(0, i);
    if (!p) return '';
  }
  const cut = Math.max(p.lastIndexOf('__') + 2, p.lastIndexOf('/') + 1, p.lastIndexOf('-') + 1, p.lastIndexOf('_') + 1, p.lastIndexOf('.') + 1);
  const prefix = p.slice(0, cut);
  // Never eat a whole id.
  return ids.some((id) => id.length <= prefix.length) ? '' : prefix;
}

/**
 * Fits ids into `width` columns so that rows stay distinguishable: the whole id when it fits, else without the shared
 * prefix (marked with a leading `…`), else cut in the middle.
 */
export function idFitter(ids: readonly string[], width: number): (id: string) => string {
  const longest = ids.reduce((m, id) => Math.max(m, len(id)), 0);
  if (longest <= width) return (id) => id;
  const prefix = commonPrefix(ids);
  return (id) => {
    if (len(id) <= width) return id;
    const rest = prefix && id.startsWith(prefix) ? `…${id.slice(prefix.length)}` : id;
    return len(rest) <= width ? rest : middleCut(rest, width);
  };
}

/** One header part with its priority: parts with a lower rank are dropped first when the line is too long. */
export interface Part { text: string; rank: number; role?: string }

/**
 * Lays out a one-line header by priority: the parts are kept in their order, and while the line is too long the
 * lowest-ranked part goes. The part ranked highest is cut (middle) only when it alone is too long.
 */
export function fitParts<P extends Part>(parts: P[], width: number, sep = ' · '): P[] {
  const kept = parts.filter((p) => p.text);
  const total = (ps: P[]) => ps.reduce((n, p, i) => n + len(p.text) + (i ? len(sep) : 0), 0);
  while (kept.length > 1 && total(kept) > width) {
    let low = 0;
    for (let i = 1; i < kept.length; i++) if (kept[i]!.rank < kept[low]!.rank) low = i;
    kept.splice(low, 1);
  }
  if (kept.length === 1 && len(kept[0]!.text) > width) return [{ ...kept[0]!, text: truncate(kept[0]!.text, width) }];
  return kept;
}

/** Word wrap for prose (issue text, messages, reasons): breaks at spaces; only a word longer than the line is split. */
export function wordWrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const raw of text.replace(/\t/g, '    ').split('\n')) {
    if (len(raw) <= w) {
      out.push(raw);
      continue;
    }
    const indent = /^\s*/.exec(raw)![0].slice(0, Math.floor(w / 2));
    let cur = '';
    for (const word of raw.slice(indent.length).split(/(?<= )/)) {
      if (len(cur) + len(word) <= w || (!cur && len(indent) + len(word) <= w)) {
        cur = cur ? cur + word : indent + word;
        continue;
      }
      if (cur.trim()) out.push(cur.replace(/ +$/, ''));
      cur = indent;
      if (len(indent) + len(word) > w) {
        // A word longer than the line (a path, a hash): hard-split it.
        const pieces = wrapLines(word, w - len(indent));
        for (const p of pieces.slice(0, -1)) out.push(indent + p);
        cur = indent + pieces[pieces.length - 1]!;
      } else cur = indent + word;
    }
    if (cur.trim() || !out.length) out.push(cur.replace(/ +$/, ''));
  }
  return out;
}
