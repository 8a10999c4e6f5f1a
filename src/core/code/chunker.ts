/**
 * Port of the fork's `EpicSplitter` (`moatless/index/epic_split.py`) with the settings SWE-Gym's indexes used
 * (`IndexSettings`: chunk_size 750, min_chunk_size 100, hard_token_limit 2000, max_chunks 200, comments ASSOCIATE;
 * max_chunk_size 1500 from the splitter's own default): cut a parsed module into chunks along the block tree and
 * render each chunk with "... other code" placeholders for what it leaves out. These chunks are what the semantic
 * index (vectors or BM25) ranks; their span ids map hits back to spans.
 */
import { CodeBlock, type BlockType, type Module } from './codeblock.js';
import { fnmatch } from './glob.js';
import { countTokens } from './parser.js';

export interface ChunkSettings {
  chunkSize: number;
  minChunkSize: number;
  maxChunkSize: number;
  hardTokenLimit: number;
  maxChunks: number;
}

export const DEFAULT_CHUNK_SETTINGS: ChunkSettings = {
  chunkSize: 750, minChunkSize: 100, maxChunkSize: 1500, hardTokenLimit: 2000, maxChunks: 200,
};

export interface CodeChunk {
  /** `<file>_<first block path>_<last block path>`, the fork's node id scheme. */
  id: string;
  filePath: string;
  /** `test` or `implementation`, by the fork's fnmatch rules (search uses only `implementation`). */
  category: 'test' | 'implementation';
  /** The rendered chunk, stripped of leading/trailing newlines (what was embedded, minus metadata). */
  content: string;
  spanIds: string[];
  startLine: number;
  endLine: number;
  tokens: number;
}

const SPLIT_BLOCK_TYPES: BlockType[] = ['FUNCTION', 'CLASS', 'TEST_SUITE', 'TEST_CASE', 'MODULE'];
const TEST_PATTERNS = ['**/test/**', '**/tests/**', '**/test_*.py', '**/*_test.py'];

type Chunk = CodeBlock[];

const chunkTokens = (c: Chunk) => c.reduce((a, b) => a + b.tokens, 0);

function allChildBlocks(b: CodeBlock): CodeBlock[] {
  const out: CodeBlock[] = [];
  for (const c of b.children) {
    out.push(c);
    out.push(...allChildBlocks(c));
  }
  return out;
}

/** `file_metadata_func`'s category (note: fnmatch, so `tests/x.py` at the top level is not a test file). */
export function fileCategory(filePath: string): 'test' | 'implementation' {
  return TEST_PATTERNS.some((p) => fnmatch(filePath, p)) ? 'test' : 'implementation';
}

/** The fork's deprecated `PathTree`, still used to render chunks. */
class PathTree {
  show = false;
  tree = new Map<string, PathTree>();

  add(path: string[]): void {
    if (path.length === 0) {
      this.show = true;
      return;
    }
    if (path.length === 1) {
      const t = this.tree.get(path[0]);
      if (t) t.show = true;
      else {
        const n = new PathTree();
        n.show = true;
        this.tree.set(path[0], n);
      }
      return;
    }
    let t = this.tree.get(path[0]);
    if (!t) this.tree.set(path[0], (t = new PathTree()));
    t.add(path.slice(1));
  }
}

export class EpicSplitter {
  constructor(private readonly s: ChunkSettings = DEFAULT_CHUNK_SETTINGS) {}

  /** Chunks of one parsed file; [] for files with errors, no tokens, or a big "generated" header comment. */
  chunkFile(filePath: string, module: Module): CodeChunk[] {
    const chunks = this.chunkContents(module);
    const category = fileCategory(filePath);
    const out: CodeChunk[] = [];
    for (const chunk of chunks) {
      const tree = new PathTree();
      for (const b of chunk) tree.add(b.fullPath());
      const content = this.toContextString(module, tree).replace(/^\n+|\n+$/g, '');
      const spanIds: string[] = [];
      for (const b of chunk) if (b.belongsToSpan && !spanIds.includes(b.belongsToSpan.spanId)) spanIds.push(b.belongsToSpan.spanId);
      out.push({
        id: `${filePath}_${chunk[0].pathString()}_${chunk[chunk.length - 1].pathString()}`,
        filePath, category, content, spanIds,
        startLine: chunk[0].startLine, endLine: chunk[chunk.length - 1].endLine, tokens: countTokens(content),
      });
    }
    return out;
  }

  private chunkContents(module: Module): Chunk[] {
    const tokens = module.sumTokens();
    if (tokens === 0) return [];
    if (module.findErrors().length) return [];
    if (tokens > this.s.hardTokenLimit) {
      const first = module.children[0];
      if (first && first.type === 'COMMENT' && first.content.toLowerCase().includes('generated')) return [];
    }
    if (tokens < this.s.minChunkSize) return [[module, ...allChildBlocks(module)]];
    return this.chunkBlock(module);
  }

  private ignoreComment(b: CodeBlock): boolean {
    return /copyright|license|author/i.test(b.content) || !b.content;
  }

  private chunkBlock(block: CodeBlock): Chunk[] {
    const s = this.s;
    let chunks: Chunk[] = [];
    let current: Chunk = [];
    let commentChunk: Chunk = [];
    const parentTokens = block.tokens + (block.parent ? block.parent.tokens : 0);
    let ignoringComment = false;

    for (const child of block.children) {
      if (child.type === 'COMMENT') {
        if (this.ignoreComment(child) || ignoringComment) {
          ignoringComment = true;
          continue;
        } else if (!block.parent) {
          commentChunk.push(child);
          continue;
        }
      } else {
        if (child.tokens > s.maxChunkSize) continue;
        ignoringComment = false;
      }

      if ((SPLIT_BLOCK_TYPES.includes(child.type) && child.sumTokens() > s.minChunkSize) || parentTokens + child.sumTokens() > s.maxChunkSize) {
        if (current.length) {
          chunks.push(current);
          current = [];
        }
        current.push(...commentChunk);
        commentChunk = [];
        current.push(child);
        const childChunks = this.chunkBlock(child);
        if (childChunks.length) {
          const first = childChunks[0];
          if (parentTokens + child.tokens + chunkTokens(first) < s.maxChunkSize) {
            current.push(...first);
            chunks.push(current);
            chunks.push(...childChunks.slice(1));
          } else {
            chunks.push(current);
            chunks.push(...childChunks);
          }
          current = [];
        }
        continue;
      }

      const newTokenCount = parentTokens + chunkTokens(current) + child.sumTokens();
      if ((!SPLIT_BLOCK_TYPES.includes(block.type) && newTokenCount < s.maxChunkSize) || newTokenCount < s.chunkSize) {
        current.push(...commentChunk);
        current.push(child);
      } else {
        if (current.length) {
          current.push(...commentChunk);
          chunks.push(current);
        }
        current = [child];
      }
      commentChunk = [];
      current.push(...allChildBlocks(child));
    }

    if (chunks.length && chunkTokens(current) < s.minChunkSize) chunks[chunks.length - 1].push(...current);
    else chunks.push(current);
    chunks = this.mergeChunks(chunks);
    return chunks;
  }

  private mergeChunks(input: Chunk[]): Chunk[] {
    const s = this.s;
    let chunks = input;
    for (;;) {
      const merged: Chunk[] = [];
      let again = false;
      let i = 0;
      for (i = 0; i < chunks.length; i++) {
        const chunk = chunks[i];
        if (chunkTokens(chunk) < s.minChunkSize || chunks.length > s.maxChunks) {
          if (i === 0 && chunks.length > 1) {
            if (chunkTokens(chunks[1]) + chunkTokens(chunk) <= s.hardTokenLimit) {
              chunks[1] = [...chunk, ...chunks[1]];
              again = true;
            } else merged.push(chunk);
          } else if (i === chunks.length - 1) {
            if (merged.length && chunkTokens(merged[merged.length - 1]) + chunkTokens(chunk) <= s.hardTokenLimit) {
              merged[merged.length - 1] = [...merged[merged.length - 1], ...chunk];
              again = true;
            } else merged.push(chunk);
          } else if (chunkTokens(chunks[i - 1]) < chunkTokens(chunks[i + 1])) {
            if (merged.length && chunkTokens(merged[merged.length - 1]) + chunkTokens(chunk) <= s.hardTokenLimit) {
              merged[merged.length - 1] = [...merged[merged.length - 1], ...chunk];
              again = true;
            } else merged.push(chunk);
          } else if (chunkTokens(chunks[i + 1]) + chunkTokens(chunk) <= s.hardTokenLimit) {
            chunks[i + 1] = [...chunk, ...chunks[i + 1]];
            again = true;
          } else merged.push(chunk);
        } else merged.push(chunk);
      }
      // The fork's `merged_chunks + chunks[i + 1:]` with i the last index: nothing is appended.
      chunks = [...merged, ...chunks.slice(chunks.length)];
      if (chunks.length < s.maxChunks || !again) break;
    }
    return chunks;
  }

  private toContextString(block: CodeBlock, tree: PathTree): string {
    let contents = '';
    if (block.preLines) {
      contents += '\n'.repeat(block.preLines - 1);
      block.contentLines.forEach((line, i) => {
        if (i === 0 && line) contents += '\n' + block.indentation + line;
        else if (line) contents += '\n' + line;
        else contents += '\n';
      });
    } else {
      contents += block.preCode + block.content;
    }
    const hidesPlaceholders = block.type === 'CLASS' || block.type === 'MODULE' || block.type === 'TEST_SUITE';
    let outcommented = false;
    let child: CodeBlock | undefined;
    for (child of block.children) {
      const childTree = child.identifier !== null ? tree.tree.get(child.identifier) : undefined;
      if (childTree && childTree.show) {
        if (outcommented && child.type !== 'COMMENT' && child.type !== 'COMMENTED_OUT_CODE' && !hidesPlaceholders) {
          contents += child.createCommentedOutBlock('... other code').toString();
        }
        contents += this.toContextString(child, childTree);
        outcommented = false;
      } else if (childTree) {
        contents += this.toContextString(child, childTree);
        outcommented = false;
      } else if (child.type !== 'COMMENT' && child.type !== 'COMMENTED_OUT_CODE') {
        outcommented = true;
      }
    }
    if (outcommented && !hidesPlaceholders && child) contents += child.createCommentedOutBlock('... other code').toString();
    return contents;
  }
}
