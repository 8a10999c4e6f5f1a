import type { Runtime } from '../../runtime/types.js';
import { CONTENT_TRUNCATED_NOTICE, MAX_RESPONSE_LEN_CHAR, SNIPPET_CONTEXT_WINDOW } from './descriptions.js';
import { countOccurrences, expandTabs, normalizePath, pyIntList, pyLen, pySlice, shellQuote, universalNewlines } from './pystr.js';

/**
 * The `str_replace_editor` behaviour of openhands-aci 0.1.0 (`file_editor`), which produced the observations in
 * SWE-Gym's trajectories: same checks in the same order, same messages, same snippets, same clipping. File contents
 * move through Runtime.readFile/writeFile; only existence checks and directory listings run in the shell.
 */

export const EDITOR_COMMANDS = ['view', 'create', 'str_replace', 'insert', 'undo_edit'] as const;
export type EditorCommand = (typeof EDITOR_COMMANDS)[number];

export interface EditorArgs {
  command: EditorCommand | string;
  path: string;
  file_text?: string | null;
  old_str?: string | null;
  new_str?: string | null;
  insert_line?: number | null;
  view_range?: number[] | null;
}

export interface EditorOutcome {
  /** What the model sees: the output, or `ERROR:\n<message>`. */
  observation: string;
  isError: boolean;
  /** True when the editor clipped content with the `<response clipped>` notice. */
  truncated: boolean;
  /** Set on successful edits (create, str_replace, insert, undo_edit). */
  edit?: { path: string; oldContent: string | null; newContent: string };
}

/** openhands-aci's ToolError: the message becomes `ERROR:\n<message>`. */
export class EditorToolError extends Error {}

const missing = (command: string, parameter: string) =>
  new EditorToolError(`Parameter \`${parameter}\` is required for command: ${command}.`);
const invalid = (parameter: string, value: string, hint?: string) =>
  new EditorToolError(hint ? `Invalid \`${parameter}\` parameter: ${value}. ${hint}` : `Invalid \`${parameter}\` parameter: ${value}.`);

type PathKind = { kind: 'none' } | { kind: 'dir' } | { kind: 'file'; mode?: number };

export class FileEditor {
  /** Per-file history of previous contents, popped by undo_edit (openhands-aci keeps it per editor instance). */
  private readonly history = new Map<string, string[]>();
  private clipped = false;

  constructor(private readonly runtime: Runtime) {}

  async run(args: EditorArgs, signal?: AbortSignal): Promise<EditorOutcome> {
    this.clipped = false;
    try {
      const r = await this.dispatch(args, signal);
      return { observation: r.output, isError: false, truncated: this.clipped, edit: r.edit };
    } catch (e) {
      if (e instanceof EditorToolError) return { observation: `ERROR:\n${e.message}`, isError: true, truncated: this.clipped };
      throw e;
    }
  }

  private async dispatch(args: EditorArgs, signal?: AbortSignal): Promise<{ output: string; edit?: EditorOutcome['edit'] }> {
    const { command } = args;
    const path = normalizePath(args.path ?? '');
    const kind = await this.validatePath(command, path, signal);
    switch (command) {
      case 'view':
        return { output: await this.view(path, kind, args.view_range ?? undefined, signal) };
      case 'create': {
        // Python truthiness, as in the original: an empty file_text counts as missing.
        if (!args.file_text) throw missing(command, 'file_text');
        await this.writeFile(path, args.file_text);
        this.push(path, args.file_text);
        return { output: `File created successfully at: ${path}`, edit: { path, oldContent: null, newContent: args.file_text } };
      }
      case 'str_replace':
        if (!args.old_str) throw missing(command, 'old_str');
        return this.strReplace(path, kind, args.old_str, args.new_str ?? null);
      case 'insert':
        if (args.insert_line === undefined || args.insert_line === null) throw missing(command, 'insert_line');
        if (!args.new_str) throw missing(command, 'new_str');
        return this.insert(path, kind, args.insert_line, args.new_str);
      case 'undo_edit':
        return this.undo(path, kind);
      default:
        throw new EditorToolError(
          `Unrecognized command ${command}. The allowed commands for the oh_editor tool are: ${EDITOR_COMMANDS.join(', ')}`,
        );
    }
  }

  private async validatePath(command: string, path: string, signal?: AbortSignal): Promise<PathKind> {
    if (!path.startsWith('/')) {
      throw invalid('path', path, `The path should be an absolute path, starting with \`/\`. Maybe you meant ${path}?`);
    }
    const kind = await this.pathKind(path, signal);
    if (command === 'create' && kind.kind !== 'none') {
      throw invalid('path', path, `File already exists at: ${path}. Cannot overwrite files using command \`create\`.`);
    }
    if (command !== 'create' && kind.kind === 'none') {
      throw invalid('path', path, `The path ${path} does not exist. Please provide a valid path.`);
    }
    if (command !== 'view' && kind.kind === 'dir') {
      throw invalid('path', path, `The path ${path} is a directory and only the \`view\` command can be used on directories.`);
    }
    return kind;
  }

  private async view(path: string, kind: PathKind, viewRange: number[] | undefined, signal?: AbortSignal): Promise<string> {
    if (kind.kind === 'dir') {
      if (viewRange && viewRange.length > 0) {
        throw invalid('view_range', pyIntList(viewRange), 'The `view_range` parameter is not allowed when `path` points to a directory.');
      }
      const { stdout, stderr } = await this.listDirectory(path, signal);
      if (stderr) throw new EditorToolError(stderr);
      return `Here's the files and directories up to 2 levels deep in ${path}, excluding hidden items:\n${stdout}\n`;
    }
    let content = await this.readFile(path);
    let startLine = 1;
    if (!viewRange || viewRange.length === 0) return this.makeOutput(content, path, startLine);
    if (viewRange.length !== 2 || !viewRange.every((n) => Number.isInteger(n))) {
      throw invalid('view_range', pyIntList(viewRange), 'It should be a list of two integers.');
    }
    const lines = content.split('\n');
    const numLines = lines.length;
    const [start, end] = viewRange as [number, number];
    const shown = pyIntList(viewRange);
    if (start < 1 || start > numLines) {
      throw invalid('view_range', shown, `Its first element \`${start}\` should be within the range of lines of the file: ${pyIntList([1, numLines])}.`);
    }
    if (end > numLines) {
      throw invalid('view_range', shown, `Its second element \`${end}\` should be smaller than the number of lines in the file: \`${numLines}\`.`);
    }
    if (end !== -1 && end < start) {
      throw invalid('view_range', shown, `Its second element \`${end}\` should be larger or equal than its first element \`${start}\`.`);
    }
    content = end === -1 ? lines.slice(start - 1).join('\n') : lines.slice(start - 1, end).join('\n');
    startLine = start;
    return this.makeOutput(content, path, startLine);
  }

  private async strReplace(path: string, kind: PathKind, oldStrRaw: string, newStrRaw: string | null) {
    const fileContent = expandTabs(await this.readFile(path));
    const oldStr = expandTabs(oldStrRaw);
    const newStr = newStrRaw === null ? '' : expandTabs(newStrRaw);
    const occurrences = countOccurrences(fileContent, oldStr);
    if (occurrences === 0) {
      throw new EditorToolError(`No replacement was performed, old_str \`${oldStr}\` did not appear verbatim in ${path}.`);
    }
    if (occurrences > 1) {
      const lineNumbers = fileContent
        .split('\n')
        .map((line, i) => (line.includes(oldStr) ? i + 1 : 0))
        .filter((n) => n > 0);
      throw new EditorToolError(
        `No replacement was performed. Multiple occurrences of old_str \`${oldStr}\` in lines ${pyIntList(lineNumbers)}. Please ensure it is unique.`,
      );
    }
    const idx = fileContent.indexOf(oldStr);
    const newContent = fileContent.slice(0, idx) + newStr + fileContent.slice(idx + oldStr.length);
    await this.writeFile(path, newContent, kind);
    this.push(path, fileContent);

    const replacementLine = countNewlines(fileContent.slice(0, idx));
    const startLine = Math.max(0, replacementLine - SNIPPET_CONTEXT_WINDOW);
    const endLine = replacementLine + SNIPPET_CONTEXT_WINDOW + countNewlines(newStr);
    const snippet = newContent.split('\n').slice(startLine, endLine + 1).join('\n');
    const output =
      `The file ${path} has been edited. ` +
      this.makeOutput(snippet, `a snippet of ${path}`, startLine + 1) +
      'Review the changes and make sure they are as expected. Edit the file again if necessary.';
    return { output, edit: { path, oldContent: fileContent, newContent } };
  }

  private async insert(path: string, kind: PathKind, insertLine: number, newStrRaw: string) {
    const fileText = expandTabs(await this.readFile(path));
    const newStr = expandTabs(newStrRaw);
    const lines = fileText.split('\n');
    const numLines = lines.length;
    if (insertLine < 0 || insertLine > numLines) {
      throw invalid('insert_line', String(insertLine), `It should be within the range of lines of the file: ${pyIntList([0, numLines])}`);
    }
    const newLines = newStr.split('\n');
    const newText = [...lines.slice(0, insertLine), ...newLines, ...lines.slice(insertLine)].join('\n');
    const snippet = [
      ...lines.slice(Math.max(0, insertLine - SNIPPET_CONTEXT_WINDOW), insertLine),
      ...newLines,
      ...lines.slice(insertLine, insertLine + SNIPPET_CONTEXT_WINDOW),
    ].join('\n');
    await this.writeFile(path, newText, kind);
    this.push(path, fileText);
    const output =
      `The file ${path} has been edited. ` +
      this.makeOutput(snippet, 'a snippet of the edited file', Math.max(1, insertLine - SNIPPET_CONTEXT_WINDOW + 1)) +
      'Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if necessary.';
    return { output, edit: { path, oldContent: fileText, newContent: newText } };
  }

  private async undo(path: string, kind: PathKind) {
    const stack = this.history.get(path);
    if (!stack || stack.length === 0) throw new EditorToolError(`No edit history found for ${path}.`);
    const oldText = stack.pop() as string;
    const current = await this.readFile(path);
    await this.writeFile(path, oldText, kind);
    return {
      output: `Last edit to ${path} undone successfully. ${this.makeOutput(oldText, path)}`,
      edit: { path, oldContent: current, newContent: oldText },
    };
  }

  /** `cat -n` style: line numbers right-aligned in 6 columns, a TAB, the line; content clipped first. */
  private makeOutput(content: string, description: string, startLine = 1): string {
    const clipped = this.maybeTruncate(content);
    const numbered = expandTabs(clipped)
      .split('\n')
      .map((line, i) => `${String(i + startLine).padStart(6, ' ')}\t${line}`)
      .join('\n');
    return `Here's the result of running \`cat -n\` on ${description}:\n${numbered}\n`;
  }

  private maybeTruncate(content: string): string {
    if (content.length <= MAX_RESPONSE_LEN_CHAR || pyLen(content) <= MAX_RESPONSE_LEN_CHAR) return content;
    this.clipped = true;
    return pySlice(content, MAX_RESPONSE_LEN_CHAR) + CONTENT_TRUNCATED_NOTICE;
  }

  private push(path: string, content: string): void {
    const stack = this.history.get(path) ?? [];
    stack.push(content);
    this.history.set(path, stack);
  }

  private async pathKind(path: string, signal?: AbortSignal): Promise<PathKind> {
    const q = shellQuote(path);
    const r = await this.runtime.exec(
      `if [ -d ${q} ]; then echo __dir; elif [ -e ${q} ]; then echo "__file $(stat -L -c %a ${q} 2>/dev/null)"; else echo __none; fi`,
      { timeoutSec: 60, signal },
    );
    const out = r.output.trim().split('\n').pop() ?? '';
    if (out.startsWith('__dir')) return { kind: 'dir' };
    if (out.startsWith('__file')) {
      const mode = parseInt(out.slice(7).trim(), 8);
      return { kind: 'file', mode: Number.isFinite(mode) ? mode : undefined };
    }
    if (out.startsWith('__none')) return { kind: 'none' };
    throw new EditorToolError(`Ran into an error while checking ${path}: ${r.output.trim()}`);
  }

  private async listDirectory(path: string, signal?: AbortSignal): Promise<{ stdout: string; stderr: string }> {
    const q = shellQuote(path);
    // stdout and stderr are kept apart (the Runtime merges streams): errors go to a scratch file read afterwards.
    const errFile = `/tmp/.swegym_find_err_${process.pid}_${Date.now()}`;
    const r = await this.runtime.exec(`find ${q} -maxdepth 2 -not -path '*/\\.*' 2>${errFile}`, { timeoutSec: 120, signal });
    const e = await this.runtime.exec(`cat ${errFile} 2>/dev/null; rm -f ${errFile}`, { timeoutSec: 30, signal });
    return { stdout: this.maybeTruncate(r.output), stderr: this.maybeTruncate(e.output) };
  }

  private async readFile(path: string): Promise<string> {
    let buf: Buffer;
    try {
      buf = await this.runtime.readFile(path);
    } catch (e) {
      throw new EditorToolError(`Ran into ${errMsg(e)} while trying to read ${path}`);
    }
    try {
      return universalNewlines(new TextDecoder('utf-8', { fatal: true }).decode(buf));
    } catch {
      throw new EditorToolError(`Ran into 'utf-8' codec can't decode the file while trying to read ${path}`);
    }
  }

  private async writeFile(path: string, content: string, kind?: PathKind): Promise<void> {
    try {
      const mode = kind && kind.kind === 'file' ? kind.mode : undefined;
      await this.runtime.writeFile(path, content, mode);
    } catch (e) {
      throw new EditorToolError(`Ran into ${errMsg(e)} while trying to write to ${path}`);
    }
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
