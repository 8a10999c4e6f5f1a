/**
 * The Moatless verifier's input as SWE-Gym built it (SWE-Gym/SWE-Gym b681068, scripts/moatless-verifier/utils.py and
 * parse_to_orm_data.py): the issue, the code spans the agent identified (line-numbered `(0042) line`), and before/after
 * views of the patch's hunks widened by 5 lines (`(0042) line` before, `42: line` after, with the source's misplaced
 * quote in the after closing tag: quirk verifier_after_block_numbering), in `prompts/verifier/moatless_*.txt`.
 * Pure: file contents come in as maps; the verifier reads them from the instance's container.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChatMessage } from '../../events.js';

const PROMPT_DIR = fileURLToPath(new URL('../../../../prompts/verifier/', import.meta.url));

/** utils.code_file_extensions (the source's list, "1.ada" and ".2.ada" included). */
const CODE_FILE_EXTENSIONS = new Set(
  '1.ada .2.ada .ada .adb .ads .asm .asp .aspx .bas .bash .bat .c++ .c .cbl .cc .class .clj .cob .cpp .cs .csh .cxx .d .diff .dll .e .el .f .f77 .f90 .fish .for .fth .ftn .go .groovy .h .hh .hpp .hs .htm .html .hxx .inc .java .js .json .jsp .jsx .ksh .kt .kts .lhs .lisp .lua .m .m4 .nim .patch .php .php3 .php4 .php5 .phtml .pl .po .pp .prql .py .ps1 .psd1 .psm1 .ps1xml .psc1 .pssc .psrc .r .rb .rs .s .scala .sh .sql .swg .swift .v .vb .vcxproj .wll .xcodeproj .xml .xll .zig .zsh'.split(' '),
);

export interface IdentifiedSpan {
  file_path: string;
  span_ids: string[];
}

/** A span's lines at the base commit (`content_lines[start-1:end]`, newlines kept). */
export interface SpanContent {
  span_id: string;
  start_line: number;
  lines: string[];
}

/** get_identified_spans: every (file, span) of any Identify action, grouped by file, files sorted. */
export function identifiedSpans(actions: readonly { file_path: string; span_ids: string[] }[][]): IdentifiedSpan[] {
  const seen = new Set<string>();
  const pairs: [string, string][] = [];
  for (const list of actions) for (const f of list) for (const id of f.span_ids) {
    const k = `${f.file_path}\0${id}`;
    if (!seen.has(k)) {
      seen.add(k);
      pairs.push([f.file_path, id]);
    }
  }
  // The source sorts a Python set by file path only, so the order of spans within a file follows set iteration
  // (hash-seeded); here it is the order in which they were identified.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: IdentifiedSpan[] = [];
  for (const [file, id] of pairs) {
    const last = out[out.length - 1];
    if (last && last.file_path === file) last.span_ids.push(id);
    else out.push({ file_path: file, span_ids: [id] });
  }
  return out;
}

/** organize_identified_spans. */
export function renderCodeSpans(spans: readonly { file_path: string; content: SpanContent[] }[]): string {
  let out = '';
  for (const f of spans) {
    for (const s of f.content) {
      const numbered = s.lines.map((l, i) => `(${String(s.start_line + i).padStart(4, '0')}) ${l}`).join('');
      const wrapped = `<code_span=${f.file_path} span_id=${s.span_id}>\n${numbered}\n</code_span>`;
      out = out ? `${out}\n\n${wrapped}` : wrapped;
    }
  }
  return out;
}

interface HunkLines {
  filename_a: string | null;
  filename_b: string | null;
  before_line_start: number;
  before_line_count: number;
  after_line_start: number;
  after_line_count: number;
}

/** patch_to_linenumbers: hunks whose header has both counts (`@@ -a,b +c,d @@`); others are not matched, as in the source. */
export function patchToLineNumbers(patch: string): HunkLines[] {
  let a: string | null = null;
  let b: string | null = null;
  const out: HunkLines[] = [];
  for (const line of patch.split('\n')) {
    if (line.startsWith('--- a/')) a = /^--- a\/([\w/.\-_]+)/.exec(line)?.[1] ?? a;
    else if (line.startsWith('+++ b/')) b = /^\+\+\+ b\/([\w/.\-_]+)/.exec(line)?.[1] ?? b;
    const m = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@/.exec(line);
    if (m) {
      const [bs, bc, as, ac] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
      if (bc === 0 && bs === 0) a = null; // the file does not exist before the patch
      out.push({ filename_a: a, filename_b: b, before_line_start: bs, before_line_count: bc, after_line_start: as, after_line_count: ac });
    }
  }
  return out;
}

function isCodeFile(name: string | null): boolean {
  return !name || CODE_FILE_EXTENSIONS.has('.' + name.split('.').pop());
}

function merge(list: HunkLines[], side: 'before' | 'after'): HunkLines[] {
  const file = side === 'before' ? 'filename_a' : 'filename_b';
  const start = side === 'before' ? 'before_line_start' : 'after_line_start';
  const count = side === 'before' ? 'before_line_count' : 'after_line_count';
  const out: HunkLines[] = [];
  for (const h of list) {
    const last = out[out.length - 1];
    if (last && last[file] === h[file] && last[start] + last[count] >= h[start]) {
      // The source extends the shared dict in place: the same hunk object may sit in both lists.
      last[count] = Math.max(last[start] + last[count], h[start] + h[count]) - last[start];
    } else out.push(h);
  }
  return out;
}

/** Python's readlines(): lines with their newline, the last one without when the file does not end in one. */
export function readlines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * get_before_after_code_with_context: `before` maps paths to their content at the base commit, `after` after applying
 * the patch (a missing key: the file does not exist there).
 */
export function beforeAfterViews(patch: string, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, contextWindow = 5): { before: string; after: string } {
  const hunks = patchToLineNumbers(patch)
    .filter((h) => isCodeFile(h.filename_a) && isCodeFile(h.filename_b))
    .map((h) => ({
      ...h,
      before_line_start: Math.max(1, h.before_line_start - contextWindow),
      before_line_count: h.before_line_count + contextWindow * 2,
      after_line_start: Math.max(1, h.after_line_start - contextWindow),
      after_line_count: h.after_line_count + contextWindow * 2,
    }));
  const beforeMerged = merge(hunks, 'before');
  const afterMerged = merge(hunks, 'after');
  let b = '';
  for (const h of beforeMerged) {
    const name = h.filename_a;
    b += `<before_file="a/${name ?? 'None'}" start_line=${h.before_line_start}>\n`;
    if (!name) b += '# THIS FILE DOES NOT EXIST BEFORE PATCHING';
    else {
      const lines = readlines(before.get(name) ?? '').slice(h.before_line_start - 1, h.before_line_start + h.before_line_count - 1);
      b += lines.map((l, i) => `(${String(i + h.before_line_start).padStart(4, '0')}) ${l}`).join('');
    }
    b += `</before_file="a/${name ?? 'None'}" start_line=${h.before_line_start}>\n`;
  }
  let a = '';
  for (const h of afterMerged) {
    const name = h.filename_b;
    a += `<after_file="b/${name ?? 'None'}" start_line=${h.after_line_start}>\n`;
    if (!name) a += '# THIS FILE DOES NOT EXIST AFTER PATCHING';
    else {
      const lines = readlines(after.get(name) ?? '').slice(h.after_line_start - 1, h.after_line_start + h.after_line_count - 1);
      a += lines.map((l, i) => `${i + h.after_line_start}: ${l}`).join('');
    }
    a += `</after_file="b/${name ?? 'None'} start_line=${h.after_line_start}">\n\n`;
  }
  return { before: b, after: a };
}

export interface OrmTemplates {
  system: string;
  user: string;
}

export function loadOrmTemplates(dir = PROMPT_DIR): OrmTemplates {
  return { system: readFileSync(`${dir}/moatless_system.txt`, 'utf8'), user: readFileSync(`${dir}/moatless_user.txt`, 'utf8') };
}

/** SIMPLE_PROMPT_TEMPLATE.format(...) (one pass, values not re-scanned) after SYSTEM_PROMPT. */
export function ormMessages(t: OrmTemplates, v: { issue_text: string; code_spans: string; before_patch: string; after_patch: string }): ChatMessage[] {
  const user = t.user.replace(/\{(issue_text|code_spans|before_patch|after_patch)\}/g, (_m, k: keyof typeof v) => v[k]);
  return [
    { role: 'system', content: t.system },
    { role: 'user', content: user },
  ];
}
