/**
 * The names of the log parsers: the official harness versions swegym reproduces, swegym's short parser names, the
 * official registry aliases of each version, and the official parsers swegym does not implement. Env specs
 * (runtime), dataset records (dataset) and the harness all validate against these, so they sit below all three.
 * The parsers themselves are in harness/parsers.ts.
 */

/** The official versions swegym reproduces; the ids are those of test/fixtures/official. */
export type HarnessVersion = 'fork-242429c' | 'v4.1.0-726c546' | 'main-7a21e05';
export const HARNESS_VERSIONS: HarnessVersion[] = ['fork-242429c', 'v4.1.0-726c546', 'main-7a21e05'];

/** swegym's short names for the parser functions (env specs use these). */
export type ParserName = 'pytest' | 'pytest_options' | 'pytest_v2' | 'pydantic' | 'django' | 'sympy' | 'seaborn' | 'matplotlib' | 'gotest' | 'cargo' | 'jest' | 'vitest' | 'tap';
export const PARSER_NAMES: ParserName[] = ['pytest', 'pytest_options', 'pytest_v2', 'pydantic', 'django', 'sympy', 'seaborn', 'matplotlib', 'gotest', 'cargo', 'jest', 'vitest', 'tap'];

/** The official function behind each short name. */
export const PARSER_FUNCTION: Record<ParserName, string> = {
  pytest: 'parse_log_pytest',
  pytest_options: 'parse_log_pytest_options',
  pytest_v2: 'parse_log_pytest_v2',
  pydantic: 'parse_log_pytest_pydantic',
  django: 'parse_log_django',
  sympy: 'parse_log_sympy',
  seaborn: 'parse_log_seaborn',
  matplotlib: 'parse_log_matplotlib',
  gotest: 'parse_log_gotest',
  cargo: 'parse_log_cargo',
  jest: 'parse_log_jest',
  vitest: 'parse_log_vitest',
  tap: 'parse_log_tap',
};

/**
 * Registry / alias names (`parse_log_<repo>`) of each version's Python parser table, by the function they name.
 * Main's `PARSER_REGISTRY` is keyed by these; a SWE-bench 5.x record's `log_parser` field holds one of them.
 */
const COMMON_ALIASES: Record<string, ParserName> = {
  parse_log_pytest: 'pytest',
  parse_log_astroid: 'pytest',
  parse_log_flask: 'pytest',
  parse_log_marshmallow: 'pytest',
  parse_log_pvlib: 'pytest',
  parse_log_pyvista: 'pytest',
  parse_log_sqlfluff: 'pytest',
  parse_log_xarray: 'pytest',
  parse_log_pytest_options: 'pytest_options',
  parse_log_pydicom: 'pytest_options',
  parse_log_requests: 'pytest_options',
  parse_log_pylint: 'pytest_options',
  parse_log_pytest_v2: 'pytest_v2',
  parse_log_astropy: 'pytest_v2',
  parse_log_scikit: 'pytest_v2',
  parse_log_sphinx: 'pytest_v2',
  parse_log_django: 'django',
  parse_log_sympy: 'sympy',
  parse_log_seaborn: 'seaborn',
  parse_log_matplotlib: 'matplotlib',
};
/** The fork adds one alias per SWE-Gym repository and the pydantic parser. */
export const FORK_ALIASES: Record<string, ParserName> = {
  ...COMMON_ALIASES,
  parse_log_mypy: 'pytest',
  parse_log_moto: 'pytest',
  parse_log_conan: 'pytest',
  parse_log_modin: 'pytest',
  parse_log_monai: 'pytest',
  parse_log_dvc: 'pytest',
  parse_log_dask: 'pytest',
  parse_log_bokeh: 'pytest',
  parse_log_mne: 'pytest',
  parse_log_hypothesis: 'pytest',
  parse_log_pandas: 'pytest',
  parse_log_hydra: 'pytest',
  parse_log_pytest_pydantic: 'pydantic',
  parse_log_pydantic: 'pydantic',
};
/** v4.1.0 and main: the non-Python parsers swegym implements (go.py, rust.py, and javascript.py's jest, vitest, tap). */
const SWEBENCH_NON_PYTHON_ALIASES: Record<string, ParserName> = {
  parse_log_gotest: 'gotest',
  parse_log_cargo: 'cargo',
  parse_log_jest: 'jest',
  parse_log_vitest: 'vitest',
  parse_log_tap: 'tap',
};
export const ALIASES_OF: Record<HarnessVersion, Record<string, ParserName>> = {
  'fork-242429c': FORK_ALIASES,
  'v4.1.0-726c546': { ...COMMON_ALIASES, ...SWEBENCH_NON_PYTHON_ALIASES },
  'main-7a21e05': { ...COMMON_ALIASES, ...SWEBENCH_NON_PYTHON_ALIASES },
};

/**
 * Non-Python parsers of the official tables (v4.1.0 and main: C, Go, Java, JS, PHP, Ruby, Rust) that swegym does not
 * implement (it does implement gotest, cargo, jest, vitest and tap); naming one gives a clear error instead of "unknown parser".
 */
export const OFFICIAL_PARSERS_NOT_IMPLEMENTED = [
  'parse_log_redis', 'parse_log_jq', 'parse_log_doctest', 'parse_log_micropython_test', 'parse_log_googletest',
  'parse_log_maven', 'parse_log_ant', 'parse_log_gradle_custom', 'parse_log_calypso',
  'parse_log_chart_js', 'parse_log_marked', 'parse_log_p5js', 'parse_log_react_pdf',
  'parse_log_jest_json', 'parse_log_immutable_js', 'parse_log_karma',
  'parse_log_phpunit', 'parse_log_jekyll', 'parse_log_ruby_unit', 'parse_log_rspec_transformed_json',
  'parse_log_bpmn_js', 'parse_log_carbon', 'parse_log_eslint', 'parse_log_grommet', 'parse_log_highlightjs',
  'parse_log_lighthouse', 'parse_log_next', 'parse_log_openlayers', 'parse_log_prismjs', 'parse_log_quarto_cli',
  'parse_log_minitest', 'parse_log_cucumber',
];

/**
 * Every parser name swegym can run under at least one version: the short names and the official registry names.
 * The env-spec loader rejects anything else at load time.
 */
export const KNOWN_PARSER_NAMES: string[] = [...new Set([...PARSER_NAMES, ...Object.values(ALIASES_OF).flatMap((a) => Object.keys(a))])].sort();
