/**
 * Native tree-sitter for Python, pinned to what the Moatless fork ran: the tree-sitter-python grammar 0.21.0 (language
 * ABI 14) on the tree-sitter 0.22 core. Both npm packages ship prebuilt linux-x64 binaries (N-API), so nothing is
 * compiled or downloaded at install. tree-sitter-python 0.21.0 declares a peer range of tree-sitter ^0.21; the
 * package.json `overrides` entry lets it share tree-sitter 0.22.4, whose core (ABI 13-14) loads it unchanged.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type ParserType from 'tree-sitter';

const require = createRequire(import.meta.url);

type ParserCtor = typeof ParserType;
export type SyntaxNode = ParserType.SyntaxNode;
export type TsQuery = ParserType.Query;

let loaded: { Parser: ParserCtor; language: unknown } | undefined;

function load(): { Parser: ParserCtor; language: unknown } {
  if (!loaded) {
    const Parser = require('tree-sitter') as ParserCtor;
    const language = require('tree-sitter-python') as unknown;
    loaded = { Parser, language };
  }
  return loaded;
}

let parser: ParserType | undefined;

/** Parse Python source; one parser per process (parsing is synchronous). */
export function parsePython(source: string): ParserType.Tree {
  const { Parser, language } = load();
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(language as ParserType.Language);
  }
  // The default 32 KiB input buffer is too small for big files in some binding versions: size it to the text.
  return parser.parse(source, undefined, { bufferSize: Math.max(1024, source.length * 2 + 16) });
}

export interface NamedQuery {
  /** `python.scm:N`, the label the fork records in `properties.query`. */
  label: string;
  /** The node type the query starts with (`_` matches any), as `_extract_node_type` derives it. */
  nodeType: string | null;
  query: TsQuery;
  /**
   * The node type at the top of each of the query's patterns (`null` when one is a wildcard `_` or an alternation).
   * A match can only start at a node of one of these types; the parser uses this to know when a node's subtree can
   * hold matches other than the node's own.
   */
  rootTypes: string[] | null;
}

/** Top-level pattern node types of a query source (strings and `;` comments skipped); null for `_` or `[`. */
export function patternRootTypes(source: string): string[] | null {
  const types: string[] = [];
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === ';') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (ch === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === '\\') i++;
    } else if (ch === '(' || ch === '[') {
      if (depth === 0) {
        if (ch === '[') return null;
        const m = /^\(\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(source.slice(i));
        if (!m || m[1] === '_') return null;
        types.push(m[1]);
      }
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth--;
    }
  }
  return [...new Set(types)];
}

let queries: NamedQuery[] | undefined;

/**
 * The fork's `queries/python.scm` (transcribed verbatim, see queries/PROVENANCE.md), split on blank lines into
 * numbered queries exactly as `CodeParser._build_queries` does.
 */
export function pythonQueries(): NamedQuery[] {
  if (queries) return queries;
  const { Parser, language } = load();
  const text = readFileSync(new URL('./queries/python.scm', import.meta.url), 'utf8');
  queries = text.trim().split('\n\n').map((q, i) => {
    const m = /\(\s*(\w+)/.exec(q);
    return {
      label: `python.scm:${i + 1}`, nodeType: m ? m[1] : null, query: new Parser.Query(language as ParserType.Language, q),
      rootTypes: patternRootTypes(q),
    };
  });
  return queries;
}
