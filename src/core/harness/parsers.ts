/**
 * The Python log parsers of three pinned official harness versions, each kept bug for bug:
 *
 * - `fork-242429c`   SWE-Gym/SWE-Bench-Fork 242429c, swebench/harness/log_parsers.py (called `fn(log)`)
 * - `v4.1.0-726c546` SWE-bench/SWE-bench tag v4.1.0, swebench/harness/log_parsers/python.py
 * - `main-7a21e05`   SWE-bench/SWE-bench main 7a21e05 (5.0.2), swebench/harness/log_parsers/python.py
 *
 * Quirks kept on purpose: ids are cut at the first whitespace (except main's pytest_v2), any line that merely
 * *starts* with a status word counts, later lines overwrite earlier ones. Where the Python code raises IndexError,
 * the parser throws ParserCrash, which the harness turns into the same error verdict the Python harness gives.
 * Every (version, parser, log) pair is checked against the official code's output in
 * test/unit/official-oracle-parsers.test.ts.
 */

export type StatusMap = Record<string, string>;
export type ParserFn = (log: string) => StatusMap;

import { ALIASES_OF, OFFICIAL_PARSERS_NOT_IMPLEMENTED, PARSER_NAMES, type HarnessVersion, type ParserName } from '../parser-names.js';

// The names (versions, parsers, aliases) are the vocabulary env specs and dataset records share with the harness:
// they live in a leaf module below all three, so neither the dataset nor the runtime imports the harness.
export { HARNESS_VERSIONS, KNOWN_PARSER_NAMES, OFFICIAL_PARSERS_NOT_IMPLEMENTED, PARSER_FUNCTION, PARSER_NAMES, type HarnessVersion, type ParserName } from '../parser-names.js';

export class ParserCrash extends Error {
  constructor(
    readonly parser: string,
    line: string,
    readonly pythonError = 'IndexError',
  ) {
    super(`log parser ${parser} raised ${pythonError} (as the official harness does) on line: ${JSON.stringify(line.slice(0, 200))}`);
    this.name = 'ParserCrash';
  }
}

export class UnknownParser extends Error {
  constructor(name: string, version: HarnessVersion) {
    const why = OFFICIAL_PARSERS_NOT_IMPLEMENTED.includes(name)
      ? `"${name}" is an official non-Python parser that swegym does not implement`
      : `"${name}" is not a log parser of ${version}`;
    super(`${why} (known here: ${parserNamesOf(version).join(', ')})`);
    this.name = 'UnknownParser';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Python string semantics

/** Python's str.split()/strip() whitespace (JS \s differs: it has U+FEFF and lacks U+001C-U+001F and U+0085). */
const PY_WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_RUN = new RegExp(`[${PY_WS}]+`, 'u');
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'gu');
const PY_LSTRIP = new RegExp(`^[${PY_WS}]+`, 'u');

/** `str.split()` with no argument. */
export function pySplit(s: string): string[] {
  return s.split(PY_WS_RUN).filter((x) => x.length > 0);
}
/** `str.strip()` with no argument. */
export const pyStrip = (s: string) => s.replace(PY_STRIP, '');
export const pyLstrip = (s: string) => s.replace(PY_LSTRIP, '');

/** TestStatus values, in the enum's order. */
const STATUSES = ['FAILED', 'PASSED', 'SKIPPED', 'ERROR', 'XFAIL'];
const startsWithStatus = (line: string) => STATUSES.some((s) => line.startsWith(s));
const endsWithStatus = (line: string) => STATUSES.some((s) => line.endsWith(s));

/** pytest_v2's cleaning: `re.sub(r"\[(\d+)m", "", line)` then drop every character 1..31. */
export function stripV2(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\[(\d+)m/g, '').replace(/[\x01-\x1f]/g, '');
}

/** Python list indexing: IndexError past the end. */
function at(tokens: string[], i: number, parser: string, line: string): string {
  if (i >= tokens.length) throw new ParserCrash(parser, line);
  return tokens[i];
}

/** main's `_is_skip_summary`: pytest's `SKIPPED [N] path:line: reason` is not a test. */
const isSkipSummary = (status: string, name: string) => status === 'SKIPPED' && /^\[\d+\]$/.test(name);

/**
 * Every parser is a fold over lines: the official functions loop over `log.split("\n")`, so a parser that is fed the
 * same lines one at a time gives the same map, and a log of any size (a file on disk, streamed) is graded in memory
 * bounded by its status map, never by the log. `ParserFn` (a whole string) is that fold fed `log.split("\n")`.
 */
export interface LineParser {
  line(line: string): void;
  result(): StatusMap;
}
export type ParserFactory = () => LineParser;

/** A line fold run over a whole string, as the Python function does. */
export function runParser(make: ParserFactory, log: string): StatusMap {
  const p = make();
  let from = 0;
  for (;;) {
    const nl = log.indexOf('\n', from);
    if (nl < 0) break;
    p.line(log.slice(from, nl));
    from = nl + 1;
  }
  p.line(log.slice(from));
  return p.result();
}

/** A fold with a plain map and a per-line step. */
function fold(step: (line: string, map: StatusMap) => void): ParserFactory {
  return () => {
    const map: StatusMap = {};
    return { line: (l) => step(l, map), result: () => map };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// pytest, pytest_options, matplotlib: the status-first loop (all versions; main filters skip summaries)

interface StatusFirstOptions {
  skipSummaryFilter: boolean;
  key?: (id: string) => string;
  rewrite?: (line: string) => string;
}

function statusFirst(o: StatusFirstOptions): ParserFactory {
  return fold((line, map) => {
    if (o.rewrite) line = o.rewrite(line);
    if (!startsWithStatus(line)) return;
    if (line.startsWith('FAILED')) line = line.replaceAll(' - ', ' ');
    const t = pySplit(line);
    if (t.length <= 1) return;
    if (o.skipSummaryFilter && isSkipSummary(t[0], t[1])) return;
    map[o.key ? o.key(t[1]) : t[1]] = t[0];
  });
}

/** pytest_options: `(.*?)\[(.*)\]` searched in the id; a single-slash path option keeps its last component. */
function optionName(id: string): string {
  const m = /(.*?)\[(.*)\]/.exec(id);
  if (!m) return id;
  const main = m[1];
  let option = m[2];
  if (option.startsWith('/') && !option.startsWith('//') && !option.includes('*')) option = '/' + option.split('/').pop();
  return `${main}[${option}]`;
}

const mouseButtons = (line: string) => line.replaceAll('MouseButton.LEFT', '1').replaceAll('MouseButton.RIGHT', '3');

// ---------------------------------------------------------------------------------------------------------------
// pytest_v2 (and the fork's pytest_pydantic)

/** Fork: no length guards (IndexError on a bare status line); status-last lines map tokens[0] -> tokens[1]. */
function forkPytestV2(pydantic: boolean): ParserFactory {
  const name = pydantic ? 'parse_log_pytest_pydantic' : 'parse_log_pytest_v2';
  return fold((raw, map) => {
    let line = stripV2(raw);
    if (pydantic) line = line.replace(/FAILED\s*\[.*?\]/g, 'FAILED');
    if (startsWithStatus(line)) {
      if (line.startsWith('FAILED')) line = line.replaceAll(' - ', ' ');
      const t = pySplit(line);
      map[at(t, 1, name, raw)] = t[0];
    } else if (endsWithStatus(line)) {
      const t = pySplit(line);
      map[at(t, 0, name, raw)] = at(t, 1, name, raw);
    }
  });
}

/** v4.1.0: the fork's loop with `len(test_case) >= 2` guards. */
const v41PytestV2: ParserFactory = fold((raw, map) => {
  let line = stripV2(raw);
  if (startsWithStatus(line)) {
    if (line.startsWith('FAILED')) line = line.replaceAll(' - ', ' ');
    const t = pySplit(line);
    if (t.length >= 2) map[t[1]] = t[0];
  } else if (endsWithStatus(line)) {
    const t = pySplit(line);
    if (t.length >= 2) map[t[0]] = t[1];
  }
});

/**
 * main: ids keep their spaces. Status first: FAILED lines are cut at the first " - ", the key is every token after
 * the status; status last: the key is every token before it. Skip summaries are dropped.
 */
const mainPytestV2: ParserFactory = fold((raw, map) => {
  let line = stripV2(raw);
  if (startsWithStatus(line)) {
    if (line.startsWith('FAILED')) line = line.split(' - ')[0];
    const t = pySplit(line);
    if (t.length >= 2 && !isSkipSummary(t[0], t[1])) map[t.slice(1).join(' ')] = t[0];
  } else if (endsWithStatus(line)) {
    const t = pySplit(line);
    if (t.length >= 2) map[t.slice(0, -1).join(' ')] = t[t.length - 1];
  }
});

// ---------------------------------------------------------------------------------------------------------------
// django (identical in all three versions)

/**
 * Python's re.MULTILINE `^`/`$` and `.` know only "\n" as a line break (JS's also take \r, U+2028, U+2029), so line
 * starts and ends are written as "not preceded / followed by a non-newline".
 */
const DJANGO_MULTILINE = [
  /(?<![^\n])([^\n]*?)\s\.\.\.\sTesting against Django installed in ([\s\S]*?) silenced\)\.\nok(?![^\n])/g,
  /(?<![^\n])([^\n]*?)\s\.\.\.\sInternal Server Error: \/([^\n]*)\/\nok(?![^\n])/g,
  /(?<![^\n])([^\n]*?)\s\.\.\.\sSystem check identified no issues \(0 silenced\)\nok(?![^\n])/g,
];

/**
 * Lines a match of DJANGO_MULTILINE can touch. A match starts at a line whose text, or whose next line's start, has
 * `...` (the `\s` before it may be the newline), runs through the phrase's line and ends at a line ` silenced).` /
 * `/` followed directly by the line `ok`; whatever lies between (pattern 1's `[\s\S]*?`) only needs to not hold the
 * end. So the patterns are run over these lines alone, each run of other lines replaced by one line that no pattern
 * can read: the matches, their keys and their order are the same, and the text kept is a small part of the log.
 */
const djangoMultilineLine = (line: string) =>
  line.includes('...') ||
  line.includes('silenced)') ||
  line === 'ok' ||
  line.includes('Testing against Django installed in') ||
  line.includes('Internal Server Error: /') ||
  line.includes('System check identified no issues');
const DJANGO_GAP = '\u0000';

function django(): LineParser {
  const name = 'parse_log_django';
  const map: StatusMap = {};
  let prevTest: string | null = null;
  // the multi-line patterns' text: kept lines, one DJANGO_GAP line per run of others; `held` is the last line seen,
  // kept as well when the next one starts with "..."
  const kept: string[] = [];
  let held: string | undefined;
  let gap = false;
  const keep = (l: string) => {
    if (gap) kept.push(DJANGO_GAP);
    gap = false;
    kept.push(l);
  };
  return {
    line(raw) {
      if (held !== undefined) {
        if (djangoMultilineLine(held) || raw.startsWith('...')) keep(held);
        else gap = true;
      }
      held = raw;
      let line = pyStrip(raw);
      if (line.includes('--version is equivalent to version')) map['--version is equivalent to version'] = 'PASSED';
      if (line.includes(' ... ')) prevTest = line.split(' ... ')[0];
      for (const suffix of [' ... ok', ' ... OK', ' ...  OK']) {
        if (line.endsWith(suffix)) {
          if (pyStrip(line).startsWith('Applying sites.0002_alter_domain_unique...test_no_migrations')) {
            line = pyStrip(line.slice(line.indexOf('...') + 3));
          }
          map[line.slice(0, line.lastIndexOf(suffix))] = 'PASSED';
          break;
        }
      }
      if (line.includes(' ... skipped')) map[line.split(' ... skipped')[0]] = 'SKIPPED';
      if (line.endsWith(' ... FAIL')) map[line.split(' ... FAIL')[0]] = 'FAILED';
      if (line.startsWith('FAIL:')) map[pyStrip(at(pySplit(line), 1, name, line))] = 'FAILED';
      if (line.endsWith(' ... ERROR')) map[line.split(' ... ERROR')[0]] = 'ERROR';
      if (line.startsWith('ERROR:')) map[pyStrip(at(pySplit(line), 1, name, line))] = 'ERROR';
      if (pyLstrip(line).startsWith('ok') && prevTest !== null) map[prevTest] = 'PASSED';
    },
    result() {
      if (held !== undefined) {
        if (djangoMultilineLine(held)) keep(held);
        held = undefined;
      }
      const text = kept.join('\n');
      for (const p of DJANGO_MULTILINE) for (const m of text.matchAll(p)) map[m[1]] = 'PASSED';
      return map;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// sympy: the fork strips a trailing [OK]/[FAIL] first; v4.1.0 and main do not

/**
 * `re.findall(r"(_*) (.*)\.py:(.*) (_*)", log)`: no part of the pattern crosses a newline, so its matches are those
 * of each line in turn (and they go into the map before any line of the loop, as in Python: the fold keeps them apart).
 */
function sympy(stripVerdictSuffix: boolean): ParserFactory {
  return () => {
    const found: StatusMap = {};
    const loop: StatusMap = {};
    return {
      line(raw) {
        if (raw.includes('.py:')) for (const m of raw.matchAll(/(_*) ([^\n]*)\.py:([^\n]*) (_*)/g)) found[`${m[2]}.py:${m[3]}`] = 'FAILED';
        let line = pyStrip(raw);
        if (!line.startsWith('test_')) return;
        if (stripVerdictSuffix && (line.endsWith('[FAIL]') || line.endsWith('[OK]'))) {
          line = pyStrip(line.slice(0, line.lastIndexOf('[')));
        }
        if (line.endsWith(' E')) loop[pySplit(line)[0]] = 'ERROR';
        if (line.endsWith(' F')) loop[pySplit(line)[0]] = 'FAILED';
        if (line.endsWith(' ok')) loop[pySplit(line)[0]] = 'PASSED';
      },
      result() {
        // Python: the findall entries first, then the loop's writes over them (order of first insertion kept)
        const map: StatusMap = { ...found };
        for (const [k, v] of Object.entries(loop)) map[k] = v;
        return map;
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------------------------
// seaborn: the fork and v4.1.0 raise on a bare status line; main skips lines with fewer than 2 tokens

function seaborn(lengthGuard: boolean): ParserFactory {
  const name = 'parse_log_seaborn';
  return fold((line, map) => {
    const parts = pySplit(line);
    if (lengthGuard && parts.length < 2) return;
    if (line.startsWith('FAILED')) map[at(parts, 1, name, line)] = 'FAILED';
    else if (line.includes(' PASSED ')) {
      if (at(parts, 1, name, line) === 'PASSED') map[parts[0]] = 'PASSED';
    } else if (line.startsWith('PASSED')) map[at(parts, 1, name, line)] = 'PASSED';
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SWE-bench's Go and Rust parsers (v4.1.0 and main have the same code: log_parsers/go.py, log_parsers/rust.py)

/** Python's `re` class `\s` on str patterns: the str.isspace() characters (as PY_WS). */
const PY_S = `[${PY_WS}]`;
const PY_NOT_S = `[^${PY_WS}]`;
// Python's `.` is any character but \n (JS's also stops at \r, U+2028 and U+2029); \w is Unicode word characters.
const GOTEST_LINE = /^--- (PASS|FAIL|SKIP): ([^\n]+) \(([^\n]+)\)$/u;
const CARGO_LINE = new RegExp(`^test${PY_S}+(${PY_NOT_S}+)${PY_S}+\\.\\.\\.${PY_S}+([\\p{L}\\p{N}_]+)$`, 'u');
const GOTEST_STATUS: Record<string, string> = { PASS: 'PASSED', FAIL: 'FAILED', SKIP: 'SKIPPED' };

/** `parse_log_gotest`: `--- PASS|FAIL|SKIP: <name> (<duration>)` lines, stripped; later lines overwrite. */
const gotest: ParserFactory = fold((line, map) => {
  const m = GOTEST_LINE.exec(pyStrip(line));
  if (m) map[m[2]!] = GOTEST_STATUS[m[1]!]!;
});

/** `parse_log_cargo`: `test <name> ... <outcome>` lines, stripped; only `ok` and `FAILED` count. */
const cargo: ParserFactory = fold((line, map) => {
  const m = CARGO_LINE.exec(pyStrip(line));
  if (!m) return;
  if (m[2] === 'ok') map[m[1]!] = 'PASSED';
  else if (m[2] === 'FAILED') map[m[1]!] = 'FAILED';
});

// SWE-bench's JavaScript line parsers (log_parsers/javascript.py): jest (--verbose), vitest (verbose reporter), TAP.
// Python's `\d` is any Unicode decimal digit (\p{Nd}).

const JEST_LINE = new RegExp(`^${PY_S}*(✓|✕|○)${PY_S}([^\\n]+?)(?:${PY_S}\\((\\p{Nd}+${PY_S}*m?s)\\))?$`, 'u');
const VITEST_LINE = new RegExp(`^${PY_S}*(✓|×|↓)${PY_S}([^\\n]+?)(?:${PY_S}(\\p{Nd}+${PY_S}*m?s?|\\[skipped\\]))?$`, 'u');
const TAP_LINE = /^(ok|not ok) (\p{Nd}+) ([^\n]+)$/u;
const SYMBOL_STATUS: Record<string, string> = { '✓': 'PASSED', '✕': 'FAILED', '×': 'FAILED', '○': 'SKIPPED', '↓': 'SKIPPED' };

/** `parse_log_jest`: main strips the test name; v4.1.0 keeps the whitespace the lazy match left around it. */
function jest(stripName: boolean): ParserFactory {
  return fold((line, map) => {
    const m = JEST_LINE.exec(pyStrip(line));
    if (m) map[stripName ? pyStrip(m[2]!) : m[2]!] = SYMBOL_STATUS[m[1]!]!;
  });
}

/** `parse_log_vitest` (the same in v4.1.0 and main). */
const vitest: ParserFactory = fold((line, map) => {
  const m = VITEST_LINE.exec(pyStrip(line));
  if (m) map[m[2]!] = SYMBOL_STATUS[m[1]!]!;
});

/** `parse_log_tap`: `ok N name` / `not ok N name` (the same in v4.1.0 and main). */
const tap: ParserFactory = fold((line, map) => {
  const m = TAP_LINE.exec(pyStrip(line));
  if (m) map[m[3]!] = m[1] === 'ok' ? 'PASSED' : 'FAILED';
});

// the three tables

const FORK_LINES = {
  pytest: statusFirst({ skipSummaryFilter: false }),
  pytest_options: statusFirst({ skipSummaryFilter: false, key: optionName }),
  pytest_v2: forkPytestV2(false),
  pydantic: forkPytestV2(true),
  django,
  sympy: sympy(true),
  seaborn: seaborn(false),
  matplotlib: statusFirst({ skipSummaryFilter: false, rewrite: mouseButtons }),
} satisfies Partial<Record<ParserName, ParserFactory>>;

const V41_LINES: Partial<Record<ParserName, ParserFactory>> = {
  pytest: FORK_LINES.pytest,
  pytest_options: FORK_LINES.pytest_options,
  pytest_v2: v41PytestV2,
  django,
  sympy: sympy(false),
  seaborn: seaborn(false),
  matplotlib: FORK_LINES.matplotlib,
  gotest,
  cargo,
  jest: jest(false),
  vitest,
  tap,
};

const MAIN_LINES: Partial<Record<ParserName, ParserFactory>> = {
  pytest: statusFirst({ skipSummaryFilter: true }),
  pytest_options: statusFirst({ skipSummaryFilter: true, key: optionName }),
  pytest_v2: mainPytestV2,
  django,
  sympy: sympy(false),
  seaborn: seaborn(true),
  matplotlib: statusFirst({ skipSummaryFilter: true, rewrite: mouseButtons }),
  gotest,
  cargo,
  jest: jest(true),
  vitest,
  tap,
};

export const LINE_PARSERS: Record<HarnessVersion, Partial<Record<ParserName, ParserFactory>>> = {
  'fork-242429c': FORK_LINES,
  'v4.1.0-726c546': V41_LINES,
  'main-7a21e05': MAIN_LINES,
};

const wholeText = (table: Partial<Record<ParserName, ParserFactory>>): Partial<Record<ParserName, ParserFn>> =>
  Object.fromEntries(Object.entries(table).map(([k, make]) => [k, (log: string) => runParser(make, log)]));

export const PARSERS: Record<HarnessVersion, Partial<Record<ParserName, ParserFn>>> = {
  'fork-242429c': wholeText(FORK_LINES),
  'v4.1.0-726c546': wholeText(V41_LINES),
  'main-7a21e05': wholeText(MAIN_LINES),
};

/** Short name or official registry name -> the version's short name; throws UnknownParser. */
export function resolveParserName(name: string, version: HarnessVersion): ParserName {
  const short = (PARSER_NAMES as string[]).includes(name) ? (name as ParserName) : ALIASES_OF[version][name];
  if (!short || !PARSERS[version][short]) throw new UnknownParser(name, version);
  return short;
}

export function getParser(name: string, version: HarnessVersion): ParserFn {
  return PARSERS[version][resolveParserName(name, version)]!;
}

/** The line fold of a parser (see LineParser). */
export function getLineParser(name: string, version: HarnessVersion): ParserFactory {
  return LINE_PARSERS[version][resolveParserName(name, version)]!;
}

/** Parser names a version can run (short and registry names). */
export function parserNamesOf(version: HarnessVersion): string[] {
  return [...PARSER_NAMES.filter((p) => PARSERS[version][p]), ...Object.keys(ALIASES_OF[version])];
}

/**
 * The repository -> parser tables of the fork (`MAP_REPO_TO_PARSER`, keys lower-cased) and v4.1.0
 * (`MAP_REPO_TO_PARSER_PY`). Main picks the parser from the record's `log_parser` instead.
 */
const SWEBENCH_REPO_PARSERS: Record<string, ParserName> = {
  'astropy/astropy': 'pytest_v2',
  'django/django': 'django',
  'marshmallow-code/marshmallow': 'pytest',
  'matplotlib/matplotlib': 'matplotlib',
  'mwaskom/seaborn': 'seaborn',
  'pallets/flask': 'pytest',
  'psf/requests': 'pytest_options',
  'pvlib/pvlib-python': 'pytest',
  'pydata/xarray': 'pytest',
  'pydicom/pydicom': 'pytest_options',
  'pylint-dev/astroid': 'pytest',
  'pylint-dev/pylint': 'pytest_options',
  'pytest-dev/pytest': 'pytest',
  'pyvista/pyvista': 'pytest',
  'scikit-learn/scikit-learn': 'pytest_v2',
  'sqlfluff/sqlfluff': 'pytest',
  'sphinx-doc/sphinx': 'pytest_v2',
  'sympy/sympy': 'sympy',
};
const FORK_REPO_PARSERS: Record<string, ParserName> = {
  ...SWEBENCH_REPO_PARSERS,
  'python/mypy': 'pytest',
  'getmoto/moto': 'pytest',
  'conan-io/conan': 'pytest',
  'modin-project/modin': 'pytest',
  'project-monai/monai': 'pytest',
  'iterative/dvc': 'pytest',
  'dask/dask': 'pytest',
  'bokeh/bokeh': 'pytest',
  'mne-tools/mne-python': 'pytest',
  'hypothesisworks/hypothesis': 'pytest',
  'pydantic/pydantic': 'pydantic',
  'pandas-dev/pandas': 'pytest',
  'facebookresearch/hydra': 'pytest',
};

/** v4.1.0's `MAP_REPO_TO_PARSER`: the Python table plus the repositories of the Go, Rust and JS parsers swegym has. */
const V41_REPO_PARSERS: Record<string, ParserName> = {
  ...SWEBENCH_REPO_PARSERS,
  'caddyserver/caddy': 'gotest',
  'hashicorp/terraform': 'gotest',
  'prometheus/prometheus': 'gotest',
  'gohugoio/hugo': 'gotest',
  'gin-gonic/gin': 'gotest',
  'burntsushi/ripgrep': 'cargo',
  'sharkdp/bat': 'cargo',
  'astral-sh/ruff': 'cargo',
  'tokio-rs/tokio': 'cargo',
  'uutils/coreutils': 'cargo',
  'nushell/nushell': 'cargo',
  'tokio-rs/axum': 'cargo',
  'babel/babel': 'jest',
  'facebook/docusaurus': 'jest',
  'vuejs/core': 'vitest',
  'axios/axios': 'tap',
  'mrdoob/three.js': 'tap',
};

/** The parser the official version's repo table names for `repo`, or undefined when the repo is not in it. */
export function officialParserForRepo(version: Exclude<HarnessVersion, 'main-7a21e05'>, repo: string): ParserName | undefined {
  if (version === 'fork-242429c') return FORK_REPO_PARSERS[repo.toLowerCase()];
  return Object.hasOwn(V41_REPO_PARSERS, repo) ? V41_REPO_PARSERS[repo] : undefined;
}
