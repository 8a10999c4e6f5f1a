/**
 * Port of the Moatless fork's Python code-block parser (`moatless/codeblocks/parser/parser.py` `CodeParser` and
 * `parser/python.py` `PythonParser`, SWE-Gym/Moatless-Agent-Fork 816c6a2) with its defaults: max_tokens_in_span 500,
 * min_tokens_for_docs_span 100, no GPT tweaks. It turns a tree-sitter tree into the CodeBlock tree with span ids.
 * The walk, the query matching and the span rules are kept statement for statement, quirks included
 * (see test/fixtures/moatless-oracle/README.md), because every prompt the agent sees is rendered from them.
 */
import { countTokens as cl100kCount } from 'gpt-tokenizer/encoding/cl100k_base';
import {
  BlockSpan, CodeBlock, Module, blockTypeFromTag, blockTypeGroup, blockTypeValue, relationship,
  type BlockType, type Parameter, type Relationship, type RelationshipType, type SpanType,
} from './codeblock.js';
import { parsePython, pythonQueries, type NamedQuery, type SyntaxNode } from './tree-sitter.js';

const tokenCache = new Map<string, number>();

/**
 * cl100k_base token count with every special token allowed, as llama-index's `get_tokenizer()` counts. Short texts
 * (most blocks: `self`, `return x`, one-line statements) repeat a lot, so their counts are memoised.
 */
export function countTokens(text: string): number {
  if (text.length > 200) return cl100kCount(text, { allowedSpecial: 'all' });
  let n = tokenCache.get(text);
  if (n === undefined) {
    n = cl100kCount(text, { allowedSpecial: 'all' });
    if (tokenCache.size > 200_000) tokenCache.clear();
    tokenCache.set(text, n);
  }
  return n;
}

const COMMENTED_OUT_KEYWORDS = ['rest of the code', 'existing code', 'other code'];
const MAX_TOKENS_IN_SPAN = 500;

interface NodeMatch {
  blockType: BlockType | null;
  identifierNode: SyntaxNode | null;
  firstChild: SyntaxNode | null;
  lastChild: SyntaxNode | null;
  checkChild: SyntaxNode | null;
  parameters: [SyntaxNode, SyntaxNode | null][];
  relationships: [SyntaxNode, string][];
  query: string | null;
}

function nodeMatch(blockType: BlockType | null = null): NodeMatch {
  return { blockType, identifierNode: null, firstChild: null, lastChild: null, checkChild: null, parameters: [], relationships: [], query: null };
}

/** tree-sitter's `ts_node_eq`: the same node of the same tree. */
function sameNode(a: SyntaxNode | null, b: SyntaxNode | null): boolean {
  return !!a && !!b && a.id === b.id && a.tree === b.tree;
}

/** Python's `\W+` → `_` over the first line's first 25 characters (code points, Unicode word characters). */
function derivedIdentifier(content: string): string {
  const first = Array.from(content.split('\n')[0].trim()).slice(0, 25).join('');
  return first.replace(/[^\p{L}\p{N}_]+/gu, '_');
}

function isOutcommentedCode(comment: string): boolean {
  return comment.startsWith('# ...') || COMMENTED_OUT_KEYWORDS.some((k) => comment.toLowerCase().includes(k));
}

/** A block equal to another in the Python sense (`CodeBlock.__eq__` compares full paths; None equals only None). */
function pyEqBlocks(a: CodeBlock | null, b: CodeBlock | null): boolean {
  if (!a || !b) return a === b;
  return a.samePathAs(b);
}

export interface ParseOptions {
  /** Called for every block once its children are parsed (the fork's `index_callback`, used by the name index). */
  indexCallback?: (block: CodeBlock) => void;
}

/** One parse; the fork keeps this state on the parser object and resets it in `parse()`. */
class ParseRun {
  private spansById = new Map<string, BlockSpan>();
  private commentsWithNoSpan: CodeBlock[] = [];
  private spanCounter = new Map<string, number>();
  private previousBlock: CodeBlock | null = null;
  private module!: Module;
  private readonly queries = pythonQueries();
  /** Start offsets (sorted) of every node whose type tops some query pattern, by type. */
  private readonly startsByType = new Map<string, number[]>();

  constructor(private readonly content: string, private readonly opts: ParseOptions) {}

  run(): Module {
    const tree = parsePython(this.content);
    const types = [...new Set(this.queries.flatMap((q) => q.rootTypes ?? []))];
    for (const n of tree.rootNode.descendantsOfType(types)) {
      let list = this.startsByType.get(n.type);
      if (!list) this.startsByType.set(n.type, (list = []));
      list.push(n.startIndex);
    }
    for (const list of this.startsByType.values()) list.sort((a, b) => a - b);
    const [module] = this.parseCode(tree.rootNode, 0, 0, null, null);
    const m = module as Module;
    m.spansById = this.spansById;
    return m;
  }

  private text(node: SyntaxNode): string {
    return this.content.slice(node.startIndex, node.endIndex);
  }

  private parseCode(
    node: SyntaxNode, startByte: number, level: number, parentBlock: CodeBlock | null, currentSpanIn: BlockSpan | null,
  ): [CodeBlock, SyntaxNode | null, BlockSpan | null] {
    let currentSpan = currentSpanIn;
    // (`hasError` is a cheap negative test: no error anywhere below means no ERROR child.)
    const isError = node.hasError && (node.type === 'ERROR' || node.children.some((c) => c.type === 'ERROR'));
    const match = isError ? nodeMatch('ERROR') : this.findInTree(node);

    const preCode = this.content.slice(startByte, node.startIndex);
    const endLine = node.endPosition.row;
    let endByte = match.firstChild ? this.getPrevious(match.firstChild, node) : node.endIndex;
    const code = this.content.slice(node.startIndex, endByte);
    let identifier = match.identifierNode ? this.text(match.identifierNode) : null;

    const relationships = this.createReferences(identifier, match);
    const parameters = this.createParameters(match, relationships);

    let codeBlock: CodeBlock;
    if (parentBlock) {
      codeBlock = new CodeBlock({
        type: match.blockType!, identifier, parent: parentBlock, previous: this.previousBlock, parameters, relationships,
        startLine: node.startPosition.row + 1, endLine: endLine + 1, preCode, content: code, tokens: countTokens(code),
        properties: { query: match.query, treeSitterType: node.type },
      });
      this.previousBlock!.next = codeBlock;
      this.previousBlock = codeBlock;
      this.preProcess(codeBlock, match);

      if (codeBlock.identifier) identifier = codeBlock.identifier;
      else if (codeBlock.content) identifier = derivedIdentifier(codeBlock.content);
      else identifier = blockTypeValue(codeBlock.type).toLowerCase();

      const existing = parentBlock.children.filter((b) => b.type === codeBlock.type).map((b) => b.identifier);
      if (existing.includes(identifier)) codeBlock.identifier = `${codeBlock.identifier ?? 'None'}_${existing.length}`;
      else codeBlock.identifier = identifier;

      if (codeBlock.type === 'COMMENT' && currentSpan && currentSpan.spanType !== 'docs' && currentSpan.blockPaths.length > 1) {
        this.commentsWithNoSpan.push(codeBlock);
      } else {
        const newSpan = this.createNewSpan(currentSpan, codeBlock);
        if (newSpan) {
          currentSpan = newSpan;
          this.spansById.set(currentSpan.spanId, currentSpan);
          codeBlock.spanIds.add(currentSpan.spanId);
        } else {
          currentSpan!.endLine = codeBlock.endLine;
        }
        const span = currentSpan!;
        for (const comment of this.commentsWithNoSpan) {
          comment.belongsToSpan = span;
          span.blockPaths.push(comment.fullPath());
          span.tokens += comment.tokens;
        }
        span.blockPaths.push(codeBlock.fullPath());
        span.tokens += codeBlock.tokens;
        codeBlock.belongsToSpan = span;
        codeBlock.spanIds.add(span.spanId);
        this.commentsWithNoSpan = [];
      }

      const key = codeBlock.pathString();
      this.module.graph.addNode(key, codeBlock);
      for (const r of relationships) this.module.graph.addEdge(key, r.path.join('.'));
    } else {
      currentSpan = null;
      const module = new Module({
        type: 'MODULE', identifier: null, content: '', startLine: node.startPosition.row + 1, endLine: endLine + 1,
        properties: { query: match.query, treeSitterType: node.type },
      });
      codeBlock = module;
      this.module = module;
      this.previousBlock = module;
    }

    let nextNode = match.firstChild;
    while (nextNode) {
      if (nextNode.childCount > 0 && nextNode.type === 'block') nextNode = nextNode.child(0)!;
      const [childBlock, childLastNode, childSpan] = this.parseCode(nextNode, endByte, level + 1, codeBlock, currentSpan);
      if (!currentSpan || childSpan!.spanId !== currentSpan.spanId) currentSpan = childSpan;
      codeBlock.appendChild(childBlock);
      if (childLastNode) nextNode = childLastNode;
      endByte = nextNode.endIndex;
      if (sameNode(nextNode, match.lastChild)) break;
      const sibling: SyntaxNode | null = nextNode.nextSibling;
      if (sibling) nextNode = sibling;
      else {
        const parentNext = this.getParentNext(nextNode, match.checkChild ?? node);
        nextNode = sameNode(parentNext, nextNode) ? null : parentNext;
      }
    }

    for (const comment of this.commentsWithNoSpan) {
      comment.belongsToSpan = currentSpan;
      comment.spanIds.add(currentSpan!.spanId);
      currentSpan!.blockPaths.push(comment.fullPath());
      currentSpan!.tokens += comment.tokens;
    }
    this.commentsWithNoSpan = [];

    this.postProcess(codeBlock);
    this.opts.indexCallback?.(codeBlock);

    if (level === 0 && !node.parent && node.endIndex > endByte) {
      const space = new CodeBlock({
        type: 'SPACE', identifier: null, preCode: this.content.slice(endByte, node.endIndex), parent: codeBlock,
        startLine: endLine + 1, endLine: node.endPosition.row + 1, content: '',
      });
      codeBlock.appendChild(space);
    }
    return [codeBlock, nextNode, currentSpan];
  }

  private findInTree(node: SyntaxNode): NodeMatch {
    return this.findMatch(node) ?? nodeMatch('CODE');
  }

  private findMatch(node: SyntaxNode): NodeMatch | null {
    const type = node.type;
    for (const q of this.queries) {
      if (q.nodeType && type !== q.nodeType && q.nodeType !== '_') continue;
      const m = this.findMatchWith(node, q);
      if (m) {
        if (!m.query) m.query = q.label;
        return m;
      }
    }
    return null;
  }

  /**
   * Whether a node's subtree may hold a match of the query other than one rooted at the node itself: some other node
   * of a pattern's top type starts inside the node's range (or a pattern has a wildcard top). Conservative: a false
   * "yes" only costs time.
   */
  private mayNest(node: SyntaxNode, q: NamedQuery): boolean {
    if (!q.rootTypes) return true;
    for (const type of q.rootTypes) {
      const starts = this.startsByType.get(type);
      if (!starts) continue;
      // Nodes of this type starting in [node.startIndex, node.endIndex], the node itself excepted.
      let lo = 0;
      let hi = starts.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid] < node.startIndex) lo = mid + 1;
        else hi = mid;
      }
      let n = 0;
      for (let i = lo; i < starts.length && starts[i] <= node.endIndex; i++) if (++n > (node.type === type ? 1 : 0)) return true;
    }
    return false;
  }

  private findMatchWith(node: SyntaxNode, q: NamedQuery): NodeMatch | null {
    // `query.captures(node)` as the fork calls it returns the captures of every match in the node's subtree, and the
    // loop below reads those of matches nested in the node too (e.g. an inner function's parameters are added to the
    // outer one's). When no nested match can exist, limiting the cursor to matches rooted at the node itself
    // (maxStartDepth 0) returns the same captures without walking the whole subtree.
    const captures = this.mayNest(node, q) ? q.query.captures(node) : q.query.captures(node, { maxStartDepth: 0 });
    if (!captures.length) return null;
    const m = nodeMatch();
    let root: SyntaxNode | null = null;
    for (const { node: found, name: tag } of captures) {
      if (tag === 'root' && !root && sameNode(node, found)) root = found;
      if (!root) continue;
      if (tag === 'no_children' && found.childCount > 0) return null;
      if (tag === 'check_child') {
        const child = this.findMatch(found);
        if (child) child.checkChild = found;
        return child;
      }
      if (tag === 'parse_child') {
        const child = this.findMatch(found);
        if (child) {
          if (child.relationships.length) m.relationships = child.relationships;
          if (child.parameters.length) m.parameters.push(...child.parameters);
          if (child.firstChild) m.firstChild = child.firstChild;
        }
      }
      if (tag === 'identifier' && !m.identifierNode) m.identifierNode = found;
      if (tag === 'child.first' && !m.firstChild) m.firstChild = found;
      if (tag === 'child.last' && !m.lastChild) m.lastChild = found;
      if (tag === 'parameter.identifier') m.parameters.push([found, null]);
      if (tag === 'parameter.type' && m.parameters.length) m.parameters[m.parameters.length - 1] = [m.parameters[m.parameters.length - 1][0], found];
      if (root && tag.startsWith('reference')) m.relationships.push([found, tag]);
      if (!m.blockType) m.blockType = blockTypeFromTag(tag) ?? null;
    }
    return m.blockType ? m : null;
  }

  private createReferences(identifier: string | null, m: NodeMatch): Relationship[] {
    const refs: Relationship[] = [];
    if (m.blockType === 'IMPORT' && m.relationships.length) {
      const moduleNodes = m.relationships.filter((r) => r[1] === 'reference.module');
      if (moduleNodes.length) {
        const moduleId = this.text(moduleNodes[0][0]);
        if (m.relationships.length > 1) {
          for (const ref of m.relationships) {
            if (sameNode(ref[0], moduleNodes[0][0]) && ref[1] === moduleNodes[0][1]) continue;
            const refId = this.text(ref[0]);
            refs.push(relationship({
              scope: 'external', type: 'imports', identifier: refId, path: ref[1] === 'reference.alias' ? [] : [refId], externalPath: [moduleId],
            }));
          }
        } else {
          refs.push(relationship({ scope: 'external', type: 'imports', identifier: moduleId, externalPath: [moduleId] }));
        }
      }
    } else {
      for (const [refNode, tag] of m.relationships) {
        const path = this.text(refNode).split('.');
        let type: RelationshipType;
        if (tag === 'reference.utilizes') type = m.blockType === 'FUNCTION' || m.blockType === 'CLASS' ? 'defined_by' : 'utilizes';
        else if (tag === 'reference.provides') type = 'provides';
        else if (tag === 'reference.calls') type = 'calls';
        else if (tag === 'reference.type') type = 'is_a';
        else if (tag === 'reference.imports') type = 'imports';
        else type = 'uses';
        refs.push(relationship({ scope: 'local', type, identifier, path }));
      }
    }
    return refs;
  }

  private createParameters(m: NodeMatch, refs: Relationship[]): Parameter[] {
    const params: Parameter[] = [];
    for (const [idNode, typeNode] of m.parameters) {
      const type = typeNode ? this.text(typeNode) : null;
      const id = this.text(idNode);
      params.push({ identifier: id, type });
      if (type) refs.push(relationship({ scope: 'local', identifier: id, path: type.replaceAll('"', '').split('.') }));
    }
    return params;
  }

  private preProcess(block: CodeBlock, m: NodeMatch): void {
    if (block.type === 'FUNCTION' && block.identifier === '__init__') block.type = 'CONSTRUCTOR';
    // An assignment broken after `=` without a backslash: the fork appends ` \` to the first rendered line.
    if (block.type === 'ASSIGNMENT' && block.contentLines[0].trim().endsWith('=') && m.checkChild && m.firstChild &&
        m.checkChild.startPosition.row < m.firstChild.startPosition.row) {
      block.contentLines[0] = block.contentLines[0] + ' \\';
    }
  }

  private postProcess(block: CodeBlock): void {
    if (block.type === 'COMMENT' && isOutcommentedCode(block.content)) block.type = 'COMMENTED_OUT_CODE';
    if (block.type === 'ASSIGNMENT') for (const r of block.relationships) r.type = 'type';
    for (const r of block.relationships) {
      if (r.path.length && r.path[0] === 'self') {
        const cls = block.findTypeInParents('CLASS');
        if (cls) {
          r.scope = 'class';
          if (r.path.length > 1) {
            r.path = [...cls.fullPath(), ...r.path.slice(1, 2)];
            r.identifier = block.identifier;
          }
        }
      }
      if (r.path.length && r.path[0] === 'super()') {
        const cls = block.findTypeInParents('CLASS');
        if (cls) {
          const isA = cls.relationships.filter((x) => x.type === 'is_a');
          if (isA.length) {
            const superClass = block.module.findByPath(isA[0].path);
            if (superClass) {
              r.path = [...superClass.fullPath(), ...r.path.slice(1, 2)];
              r.identifier = superClass.identifier;
            }
          }
        }
      }
    }
    if ((block.type === 'CLASS' || block.type === 'FUNCTION') && block.children.length === 1 && block.children[0].type === 'COMMENTED_OUT_CODE') {
      block.type = 'COMMENTED_OUT_CODE';
    }
    const functionNames = new Set<string | null>();
    const classNames = new Set<string | null>();
    for (const child of block.children) {
      if (child.type === 'FUNCTION') {
        if (functionNames.has(child.identifier)) child.validationErrors.push(`Duplicate function name: ${child.identifier}`);
        functionNames.add(child.identifier);
      }
      if (child.type === 'CLASS') {
        if (classNames.has(child.identifier)) child.validationErrors.push(`Duplicate class name: ${child.identifier}`);
        classNames.add(child.identifier);
      }
    }
  }

  private getPrevious(node: SyntaxNode, origin: SyntaxNode): number {
    if (sameNode(node, origin)) return node.startIndex;
    const prev = node.previousSibling;
    if (prev) return prev.endIndex;
    if (node.parent) return this.getPrevious(node.parent, origin);
    return node.startIndex;
  }

  private getParentNext(node: SyntaxNode | null, orig: SyntaxNode): SyntaxNode | null {
    if (!node) return null;
    if (!sameNode(node, orig)) {
      const sibling = node.nextSibling;
      if (sibling) return sibling;
      return this.getParentNext(node.parent, orig);
    }
    return null;
  }

  private createNewSpan(current: BlockSpan | null, block: CodeBlock): BlockSpan | null {
    let spanType: SpanType;
    let spanId: string;
    const group = blockTypeGroup(block.type);
    if (block.type === 'COMMENT' && (!current || (current.blockType === 'MODULE' && (current.spanType !== 'impl' || current.index === 0)))) {
      spanType = 'docs';
      spanId = this.createSpanId(block, 'docstring');
    } else if (block.type === 'CLASS' || block.type === 'CONSTRUCTOR' || (
      current && (current.blockType === 'CLASS' || current.blockType === 'CONSTRUCTOR') &&
      !pyEqBlocks(current.initiatingBlock.parent, block.parent) && current.spanType !== 'impl' && block.type !== 'FUNCTION'
    )) {
      spanType = 'init';
      spanId = this.createSpanId(block);
    } else if (block.type === 'IMPORT' && (!current || current.blockType === 'MODULE')) {
      spanType = 'init';
      spanId = this.createSpanId(block, 'imports');
    } else {
      spanType = 'impl';
      spanId = this.createSpanId(block);
    }

    const parent = block.parent!;
    if (!current) {
      if (group === 'Structures') {
        return new BlockSpan({ spanId, spanType, startLine: block.startLine, endLine: block.startLine, initiatingBlock: block, parentBlockPath: block.fullPath() });
      }
      return new BlockSpan({ spanId, spanType, startLine: block.startLine, endLine: block.startLine, initiatingBlock: parent, parentBlockPath: parent.fullPath() });
    }

    const parentPath = parent.fullPath();
    const samePath = current.parentBlockPath.length === parentPath.length && current.parentBlockPath.every((x, i) => x === parentPath[i]);
    if (group === 'Structures' && (parent.type === 'MODULE' || parent.type === 'CLASS') && samePath) {
      if (current.parentBlockPath.length < block.fullPath().length) current.isPartial = true;
      return new BlockSpan({ spanId, spanType, startLine: block.startLine, endLine: block.startLine, initiatingBlock: block, parentBlockPath: block.fullPath() });
    }

    if (current.parentBlockPath.length > parentPath.length) {
      const parentBlockPath = group === 'Structures' ? block.fullPath() : parentPath;
      return new BlockSpan({ spanId, spanType, startLine: block.startLine, endLine: block.startLine, initiatingBlock: block, parentBlockPath });
    }

    if (current.tokens + block.sumTokens() > MAX_TOKENS_IN_SPAN && parent.type === 'MODULE') {
      current.isPartial = true;
      return new BlockSpan({
        spanId, spanType, startLine: block.startLine, endLine: block.startLine, initiatingBlock: current.initiatingBlock,
        parentBlockPath: current.parentBlockPath, isPartial: true, index: current.index + 1,
      });
    }
    return null;
  }

  private createSpanId(block: CodeBlock, label?: string): string {
    const structure = blockTypeGroup(block.type) === 'Structures' ? block : block.findTypeGroupInParents('Structures')!;
    let spanId = structure.pathString();
    if (label && spanId) spanId += `:${label}`;
    else if (label && !spanId) spanId = label;
    else if (!spanId) spanId = 'impl';
    const n = this.spanCounter.get(spanId);
    if (n !== undefined) {
      this.spanCounter.set(spanId, n + 1);
      spanId += `:${n + 1}`;
    } else {
      this.spanCounter.set(spanId, 1);
    }
    return spanId;
  }
}

/** Parse Python source into the fork's Module (block tree, spans by id, relation graph). */
export function parseModule(content: string, opts: ParseOptions = {}): Module {
  return new ParseRun(content, opts).run();
}
