/**
 * Log parsers, bug-compatible with the harness: they keep its quirks (`SKIPPED [1] ...` keyed by "[1]" in the fork,
 * ids cut at the first space, later lines overwriting earlier ones, any line that merely *starts* with a status
 * word counting). Two flavors: the fork's log_parsers.py (SWE-Gym, OpenHands) and the current official
 * log_parsers/python.py. Where the Python code raises IndexError the parser throws ParserCrash, which the harness
 * turns into an error verdict, as the Python harness does with the exception.
 */

export type StatusMap = Record<string, string>;
export type ParserFn = (log: string) => StatusMap;
export type ParserName = 'pytest' | 'pytest_options' | 'pytest_v2' | 'pydantic' | 'django' | 'sympy' | 'seaborn' | 'matplotlib';
export const PARSER_NAMES: ParserName[] = ['pytest', 'pytest_options', 'pytest_v2', 'pydantic', 'django', 'sympy', 'seaborn', 'matplotlib'];

/** TestStatus enum order matters for the current harness's regex alternation. */
const STATUSES = ['FAILED', 'PASSED', 'SKIPPED', 'ERROR', 'XFAIL'];

export class ParserCrash extends Error {
  constructor(parser: string, line: string) {
    super(`log parser ${parser} raised IndexError (as the harness does) on line: ${JSON.stringify(line.slice(0, 200))}`);
    this.name = 'ParserCrash';
  }
}

/** Python str.split() with no argument. */
function pySplit(s: string): string[] {
  return s.split(/[\s\x1c-\x1f\x85]+/u).filter((x) => x.length > 0);
}
const startsWithStatus = (line: string) => STATUSES.some((s) => line.startsWith(s));
const endsWithStatus = (line: string) => STATUSES.some((s) => line.endsWith(s));
/** Python's `"".join(chr(c) for c in range(1, 32))` translate + `re.sub(r"\[(\d+)m", "", line)`. */
function stripV2(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\[(\d+)m/g, '').replace(/[\x01-\x1f]/g, '');
}

// ---------------------------------------------------------------------------------------------------------------
// fork (SWE-Gym/SWE-Bench-Fork log_parsers.py; same as SWE-bench v2.0.x for the shared ones)

/** The fork's pytest parser; `key` maps the test id (pytest_options shortens path parameters with it). */
function forkPytest(log: string, key: (id: string) => string = (id) => id): StatusMap {
  const map: StatusMap = {};
  for (let line of log.split('\n')) {
    if (!startsWithStatus(line)) continue;
    if (line.startsWith('FAILED')) line = line.replaceAll(' - ', ' ');
    const t = pySplit(line);
    if (t.length <= 1) continue;
    map[key(t[1])] = t[0];
  }
  return map;
}

function optionName(id: string): string {
  const m = /^(.*?)\[(.*)\]/s.exec(id) ?? /(.*?)\[(.*)\]/s.exec(id);
  if (!m) return id;
  let [, main, option] = m;
  if (option.startsWith('/') && !option.startsWith('//') && !option.includes('*')) {
    option = '/' + option.split('/').pop();
  }
  return `${main}[${option}]`;
}

function forkPytestOptions(log: string): StatusMap {
  return forkPytest(log, optionName);
}

function forkPytestV2(log: string, pydantic = false): StatusMap {
  const name = pydantic ? 'pydantic' : 'pytest_v2';
  const map: StatusMap = {};
  for (const raw of log.split('\n')) {
    let line = stripV2(raw);
    if (pydantic) line = line.replace(/FAILED\s*\[.*?\]/g, 'FAILED');
    if (startsWithStatus(line)) {
      if (line.startsWith('FAILED')) line = line.replaceAll(' - ', ' ');
      const t = pySplit(line);
      if (t.length < 2) throw new ParserCrash(name, raw);
      map[t[1]] = t[0];
    } else if (endsWithStatus(line)) {
      const t = pySplit(line);
      if (!pydantic && t.length !== 2) continue; // the fork's own patch in parse_log_pytest_v2
      if (t.length < 2) throw new ParserCrash(name, raw);
      map[t[0]] = t[1];
    }
  }
  return map;
}

// ---------------------------------------------------------------------------------------------------------------
// current official (SWE-bench/SWE-bench log_parsers/python.py, `_parse_pytest_result_line`)

const STATUS_ALT = STATUSES.join('|');
const STATUS_FIRST = new RegExp(`^(${STATUS_ALT})\\s+(\\S+)`);
const TEST_FIRST = new RegExp(`^(\\S+)\\s+(${STATUS_ALT})(?:\\s|$)`);

function currentResultLine(line: string): [string, string] | null {
  const sf = STATUS_FIRST.exec(line);
  if (sf) {
    const status = sf[1];
    let test = sf[2];
    if (status === 'FAILED') test = pySplit(line.replaceAll(' - ', ' '))[1];
    if (status === 'SKIPPED' && /^\[\d+\]/.test(test)) return null;
    return [test, status];
  }
  const tf = TEST_FIRST.exec(line);
  if (tf) return [tf[1], tf[2]];
  return null;
}

function currentPytest(log: string): StatusMap {
  const map: StatusMap = {};
  for (const line of log.split('\n')) {
    const r = currentResultLine(line);
    if (r) map[r[0]] = r[1];
  }
  return map;
}

function currentPytestOptions(log: string): StatusMap {
  const map: StatusMap = {};
  for (const line of log.split('\n')) {
    const r = currentResultLine(line);
    if (r) map[optionName(r[0])] = r[1];
  }
  return map;
}

function currentPytestV2(log: string): StatusMap {
  const map: StatusMap = {};
  for (const raw of log.split('\n')) {
    const r = currentResultLine(stripV2(raw));
    if (r) map[r[0]] = r[1];
  }
  return map;
}

// ---------------------------------------------------------------------------------------------------------------
// shared by both flavors

function django(log: string): StatusMap {
  const map: StatusMap = {};
  let prevTest: string | null = null;
  for (let line of log.split('\n')) {
    line = line.trim();
    if (line.includes('--version is equivalent to version')) map['--version is equivalent to version'] = 'PASSED';
    if (line.includes(' ... ')) prevTest = line.split(' ... ')[0];
    for (const suffix of [' ... ok', ' ... OK', ' ...  OK']) {
      if (line.endsWith(suffix)) {
        if (line.trim().startsWith('Applying sites.0002_alter_domain_unique...test_no_migrations')) {
          const i = line.indexOf('...');
          line = line.slice(i + 3).trim();
        }
        const idx = line.lastIndexOf(suffix);
        map[line.slice(0, idx)] = 'PASSED';
        break;
      }
    }
    if (line.includes(' ... skipped')) map[line.split(' ... skipped')[0]] = 'SKIPPED';
    if (line.endsWith(' ... FAIL')) map[line.split(' ... FAIL')[0]] = 'FAILED';
    if (line.startsWith('FAIL:')) map[pySplit(line)[1].trim()] = 'FAILED';
    if (line.endsWith(' ... ERROR')) map[line.split(' ... ERROR')[0]] = 'ERROR';
    if (line.startsWith('ERROR:')) {
      const t = pySplit(line);
      if (t.length < 2) throw new ParserCrash('django', line);
      map[t[1].trim()] = 'ERROR';
    }
    if (line.trimStart().startsWith('ok') && prevTest !== null) map[prevTest] = 'PASSED';
  }
  const patterns = [
    /^(.*?)\s\.\.\.\sTesting against Django installed in ([\s\S]*?) silenced\)\.\nok$/gm,
    /^(.*?)\s\.\.\.\sInternal Server Error: \/(.*)\/\nok$/gm,
    /^(.*?)\s\.\.\.\sSystem check identified no issues \(0 silenced\)\nok$/gm,
  ];
  for (const p of patterns) for (const m of log.matchAll(p)) map[m[1]] = 'PASSED';
  return map;
}

function sympy(log: string): StatusMap {
  const map: StatusMap = {};
  for (const m of log.matchAll(/(_*) ([^\n]*)\.py:([^\n]*) (_*)/g)) map[`${m[2]}.py:${m[3]}`] = 'FAILED';
  for (let line of log.split('\n')) {
    line = line.trim();
    if (!line.startsWith('test_')) continue;
    if (line.endsWith(' E')) map[pySplit(line)[0]] = 'ERROR';
    if (line.endsWith(' F')) map[pySplit(line)[0]] = 'FAILED';
    if (line.endsWith(' ok')) map[pySplit(line)[0]] = 'PASSED';
  }
  return map;
}

function seaborn(log: string): StatusMap {
  const map: StatusMap = {};
  for (const line of log.split('\n')) {
    if (line.startsWith('FAILED')) {
      const t = pySplit(line);
      if (t.length < 2) throw new ParserCrash('seaborn', line);
      map[t[1]] = 'FAILED';
    } else if (line.includes(' PASSED ')) {
      const t = pySplit(line);
      if (t.length < 2) throw new ParserCrash('seaborn', line);
      if (t[1] === 'PASSED') map[t[0]] = 'PASSED';
    } else if (line.startsWith('PASSED')) {
      const t = pySplit(line);
      if (t.length < 2) throw new ParserCrash('seaborn', line);
      map[t[1]] = 'PASSED';
    }
  }
  return map;
}

function matplotlib(log: string): StatusMap {
  return forkPytest(log.replaceAll('MouseButton.LEFT', '1').replaceAll('MouseButton.RIGHT', '3'));
}

export const FORK_PARSERS: Record<ParserName, ParserFn> = {
  pytest: (log) => forkPytest(log),
  pytest_options: forkPytestOptions,
  pytest_v2: (log) => forkPytestV2(log, false),
  pydantic: (log) => forkPytestV2(log, true),
  django,
  sympy,
  seaborn,
  matplotlib,
};

/** The official harness has no pydantic parser (no pydantic repo): the fork's is kept for it. */
export const CURRENT_PARSERS: Record<ParserName, ParserFn> = {
  pytest: currentPytest,
  pytest_options: currentPytestOptions,
  pytest_v2: currentPytestV2,
  pydantic: FORK_PARSERS.pydantic,
  django,
  sympy,
  seaborn,
  matplotlib,
};

const ALIASES: Record<string, ParserName> = { pytest_pydantic: 'pydantic', parse_log_pytest: 'pytest' };

export function getParser(name: string, flavor: 'fork' | 'current'): ParserFn {
  const key = (ALIASES[name] ?? name) as ParserName;
  const table = flavor === 'fork' ? FORK_PARSERS : CURRENT_PARSERS;
  const fn = table[key];
  if (!fn) throw new Error(`unknown log parser "${name}" (expected one of: ${PARSER_NAMES.join(', ')})`);
  return fn;
}
