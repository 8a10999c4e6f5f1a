import { sanitize } from '../core/util/index.js';

/** Untrusted text ready to render: control sequences stripped, tabs expanded. */
export function safe(text: string | null | undefined): string {
  return sanitize(text ?? '').replace(/\t/g, '    ');
}

/** Hard-wraps text to `width` columns (code points; wide glyphs are rare in logs and patches). */
export function wrapLines(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const raw of text.replace(/\t/g, '    ').split('\n')) {
    const chars = Array.from(raw);
    if (chars.length <= w) {
      out.push(raw);
      continue;
    }
    for (let i = 0; i < chars.length; i += w) out.push(chars.slice(i, i + w).join(''));
  }
  return out;
}

export function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, width).join('');
  return `${chars.slice(0, width - 1).join('')}…`;
}

export function padEnd(text: string, width: number): string {
  const t = truncate(text, width);
  const n = Array.from(t).length;
  return n >= width ? t : t + ' '.repeat(width - n);
}

export function padStart(text: string, width: number): string {
  const t = truncate(text, width);
  const n = Array.from(t).length;
  return n >= width ? t : ' '.repeat(width - n) + t;
}

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function fmtCost(usd: number | undefined): string {
  if (usd === undefined) return '-';
  return usd < 10 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function fmtTokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1e6).toFixed(1)}M` : n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n);
}

export type DiffKind = 'file' | 'hunk' | 'add' | 'del' | 'ctx' | 'meta';
export interface DiffLine { kind: DiffKind; text: string; oldNo?: number; newNo?: number }

/** Classifies unified-diff lines and numbers them from the hunk headers. */
export function parseDiff(patch: string): DiffLine[] {
  const out: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  let inHunk = false;
  for (const text of patch.split('\n')) {
    if (text.startsWith('diff --git') || (!inHunk && (text.startsWith('+++ ') || text.startsWith('--- ')))) {
      inHunk = false;
      out.push({ kind: 'file', text });
      continue;
    }
    const m = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (m) {
      oldNo = Number(m[1]);
      newNo = Number(m[2]);
      inHunk = true;
      out.push({ kind: 'hunk', text });
      continue;
    }
    if (!inHunk) {
      if (text !== '') out.push({ kind: 'meta', text });
      continue;
    }
    if (text.startsWith('+')) out.push({ kind: 'add', text, newNo: newNo++ });
    else if (text.startsWith('-')) out.push({ kind: 'del', text, oldNo: oldNo++ });
    else if (text.startsWith('\\')) out.push({ kind: 'meta', text });
    else if (text === '' ) continue;
    else out.push({ kind: 'ctx', text, oldNo: oldNo++, newNo: newNo++ });
  }
  return out;
}

/** Case-insensitive line search from `from` (wrapping); -1 when nothing matches. */
export function findLine(lines: string[], query: string, from: number): number {
  if (!query) return -1;
  const q = query.toLowerCase();
  for (let k = 0; k < lines.length; k++) {
    const i = (from + k) % lines.length;
    if (lines[i].toLowerCase().includes(q)) return i;
  }
  return -1;
}

/** Natural order: `ledger-8` before `ledger-15` (numbers compare as numbers). */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
