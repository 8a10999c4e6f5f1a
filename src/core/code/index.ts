/**
 * Code understanding for the Moatless scaffold (issue 15): the fork's Python code-block parser with span ids,
 * FileContext rendering, the name index, the chunker, retrieval and the editing primitives.
 */
export {
  BlockSpan, CodeBlock, Module, CodeParseError, SPAN_TYPE_NAME, blockTypeGroup, blockTypeValue, relationshipToString,
  type BlockType, type BlockTypeGroup, type Relationship, type Parameter, type SpanType,
} from './codeblock.js';
export { parseModule, countTokens, type ParseOptions } from './parser.js';
export {
  FileContext, ContextFile, RENDER_FLAGS, type ContextSpan, type PromptFlags, type RankedFileSpan,
} from './file-context.js';
export {
  FileRepository, hostSource, runtimeSource, loadRepository, makeCodeFile, isPythonPath, type CodeFile, type CodeSource,
} from './repository.js';
export {
  applyLineEdit, updateContentByLineNumbers, updateContent, removeDuplicateLines, doDiff, type UpdateResult,
} from './editing.js';
export { unifiedDiff, splitLinesKeepEnds, pyStrip } from './difflib.js';
export { runPylint, newVerificationErrors, type LintResult, type VerificationError } from './lint.js';
export { EpicSplitter, DEFAULT_CHUNK_SETTINGS, fileCategory, type CodeChunk, type ChunkSettings } from './chunker.js';
export {
  Bm25Retriever, VectorRetriever, openAIEmbedder, modelEmbedder, codeTerms, chunkEmbeddingText, chunkSearchText,
  type Embedder, type OpenAIEmbedderOptions, type RetrievalInfo, type Retriever, type RankedChunk,
} from './retrieval.js';
export {
  CodeIndex, buildIndexData, defaultCodeIndexCacheDir, partialRatio, rerankFiles,
  type CodeIndexOptions, type IndexData, type IndexStats, type NameMap, type SearchCodeHit, type SearchCodeResponse,
  type SearchRequest, type SemanticSearchRequest, type SpanHit,
} from './code-index.js';
export { PathSet, globToRegex, fnmatch } from './glob.js';
