/** Every CLI command: its module, exported function, options and help. The help text is generated from this. */
export interface OptSpec {
  type: 'string' | 'boolean' | 'number' | 'list';
  /**
   * What a number option accepts, checked in one place (parse-args) for every command: bad input is exit 2 with a
   * message naming the flag. Every number option declares its range (a unit test holds the table to that).
   */
  range?: NumberRange;
  short?: string;
  required?: boolean;
  default?: unknown;
  help: string;
}
/** count: a whole number >= 1; index: a whole number >= 0; positive: a number > 0; nonnegative: >= 0; port: 0..65535. */
export type NumberRange = 'count' | 'index' | 'positive' | 'nonnegative' | 'port';

/** A command's entry point; its options arrive camelCased, as parse-args produces them. */
export type CommandFn = (opts: any) => Promise<number>;

export interface CommandSpec {
  /** Loads the command's module only when it runs (a static specifier: type-checked, visible to import graphs). */
  load: () => Promise<CommandFn>;
  summary: string;
  positionals?: string[];
  options: Record<string, OptSpec>;
  /** Printed after the options in `--help` (environment variables, config files). */
  notes?: string[];
}

const dataset: OptSpec = { type: 'string', default: 'samples', help: "tasks: a .json/.jsonl/.parquet file, a Hugging Face dataset name, or 'samples' (bundled)" };
const instances: OptSpec = { type: 'list', help: 'instance ids (comma-separated or repeated)' };
const envSpec: OptSpec = { type: 'list', help: 'extra environment spec file(s) overriding the built-in ones' };
const profile: OptSpec = { type: 'string', help: 'harness profile, each one pinned official version: swegym (SWE-Gym fork 242429c) | swebench (SWE-bench 5.0.2) | swebench-4.1 (SWE-bench v4.1.0) | openhands (SWE-Gym OpenHands eval_infer); default by dataset' };
const offline: OptSpec = { type: 'boolean', help: "skip the eval script's install steps that need the network" };
const skipInvalid: OptSpec = { type: 'boolean', help: 'load the valid records and report the malformed ones (default: the first one is an error)' };
const repoSource: OptSpec = {
  type: 'string',
  help: "where to find repositories to build images from, by each instance's base commit: a git directory (clone or bare mirror), a .bundle file, or a folder of them (any names; owner__name, owner/name or name are searched first). Only the base commit and its ancestors go into an image",
};
/** How instance images are found: the record's image_name, then these names, then a local build. */
const imageOptions: Record<string, OptSpec> = {
  'image-template': { type: 'string', help: "instance image name: a template ('myreg/{id_s}:latest'; {id} {id_lower} {id_s} {id_1776} {arch} {repo} {version}) or a prefix ('myreg/')" },
  'image-naming': { type: 'string', help: "official image names to look for: swegym (xingyaoww/sweb.eval.x86_64.*) | swebench (swebench/sweb.eval.x86_64.*) | none (no published images: never pull); default by dataset" },
  'no-pull': { type: 'boolean', help: 'never try docker pull (default: try when no local image exists; no registry is not an error)' },
  rebuild: { type: 'boolean', help: 'build the instance images again even when a matching one exists (images are otherwise reused only when their content key matches)' },
  'allow-partial-env': { type: 'boolean', help: "build offline even when the env spec asks for steps that need the network (pip, conda, another Python); they are left out and every verdict is marked env_partial" },
};
const sessionsDir: OptSpec = { type: 'string', help: 'session store (default: ./sessions)' };
const json: OptSpec = { type: 'boolean', help: 'print JSON' };
const noRemoteControl: OptSpec = { type: 'boolean', help: "ignore 'swegym control' / workbench commands (live.json still shows the batch)" };
const llm = {
  model: { type: 'string', help: 'model name at the endpoint' } as OptSpec,
  'base-url': { type: 'string', help: 'OpenAI-compatible endpoint (OpenAI, vLLM, OpenRouter, Ollama, ...)' } as OptSpec,
  config: { type: 'string', help: 'agent config file (JSON): LlmAgentConfig for llm, MoatlessConfig for moatless' } as OptSpec,
  'moatless-fix': { type: 'string', help: 'moatless: quirks of the fork to fix, comma-separated (default: all kept; see README)' } as OptSpec,
};

/** How rollouts run: the same options for run, batch and the workbench (one rollout pipeline behind all three). */
const trajectory: OptSpec = { type: 'string', help: 'recorded trajectory for --agent replay (a file, or a folder of <instance_id>.jsonl)' };
const rolloutTimeout: OptSpec = { type: 'number', range: 'positive', help: 'seconds per rollout' };
const endpointMaxInflight: OptSpec = { type: 'number', range: 'count', help: 'max concurrent requests per LLM endpoint' };
const seed: OptSpec = { type: 'number', range: 'index', help: 'base seed' };

export const COMMANDS: Record<string, CommandSpec> = {
  tui: {
    load: () => import('./commands/tui.js').then((m) => m.tuiCommand),
    summary: 'open the workbench (the default when no command is given)',
    options: { dataset, session: { type: 'string', help: 'open this session' }, theme: { type: 'string', help: 'theme name (themes/*.json)' }, plain: { type: 'boolean', help: 'plain lines instead of the full-screen UI' }, 'sessions-dir': sessionsDir, 'env-spec': envSpec, ...llm, trajectory, profile, offline, 'repo-source': repoSource, ...imageOptions,
      concurrency: { type: 'number', range: 'count', help: 'workers for batches started in the workbench (default 2)' }, 'rollout-timeout': rolloutTimeout, 'endpoint-max-inflight': endpointMaxInflight, seed,
      'budget-usd': { type: 'number', range: 'positive', help: 'hard stop of a batch at this spend' } },
  },
  doctor: {
    load: () => import('./commands/doctor.js').then((m) => m.doctorCommand),
    summary: 'check that everything the given command line needs works (Node, engines, images, sessions folder, endpoint, hub)',
    options: {
      dataset: { type: 'string', help: "the dataset you will use ('samples' checks the sample images; a Hugging Face name checks the hub)" },
      'sessions-dir': sessionsDir,
      'base-url': { type: 'string', help: 'OpenAI-compatible endpoint to check (default: $OPENAI_BASE_URL; key from $OPENAI_API_KEY)' },
      model: { type: 'string', help: 'model that must be listed and answer' },
      'env-spec': envSpec,
      quick: { type: 'boolean', help: 'skip the container start (scripts/start.sh runs this first)' },
      timeout: { type: 'number', range: 'positive', help: 'seconds per network call (default 5)' },
      json,
    },
    notes: ['Exit 0 when nothing failed (warnings are things swegym does itself on first use), 1 otherwise.'],
  },
  instances: {
    load: () => import('./commands/instances.js').then((m) => m.instancesCommand),
    summary: 'list the task records of a dataset',
    options: { dataset, ids: { type: 'boolean', help: 'one instance id a line' }, instances, regex: { type: 'string', help: 'filter instance ids by regex' }, repo: { type: 'string', help: 'filter by repo' }, 'skip-invalid': { type: 'boolean', help: 'load the valid records and report the others' }, json },
  },
  verify: {
    load: () => import('./commands/verify.js').then((m) => m.verifyCommand),
    summary: 'verify predictions (or the gold / empty patches) exactly as the SWE-bench harness does',
    options: { dataset, 'skip-invalid': skipInvalid, predictions: { type: 'string', default: 'gold', help: "predictions.jsonl, 'gold' or 'empty'" }, instances, workers: { type: 'number', range: 'count', default: 1, help: 'parallel verifications' }, report: { type: 'string', help: 'write the run summary JSON here' }, profile, 'run-id': { type: 'string', help: 'run id for logs/run_evaluation/<run_id>' }, offline, 'env-spec': envSpec, 'repo-source': repoSource, ...imageOptions },
  },
  validate: {
    load: () => import('./commands/validate.js').then((m) => m.validateCommand),
    summary: 'run gold and empty patches N times, derive FAIL_TO_PASS/PASS_TO_PASS, flag flaky tests',
    options: { dataset, 'skip-invalid': skipInvalid, instances, runs: { type: 'number', range: 'count', default: 1, help: 'runs per instance' }, workers: { type: 'number', range: 'count', default: 1, help: 'parallel verifications' }, profile, offline, 'env-spec': envSpec, out: { type: 'string', help: 'write per-instance results here' }, 'run-id': { type: 'string', help: 'run id for the logs' }, 'repo-source': repoSource, ...imageOptions },
  },
  run: {
    load: () => import('./commands/run.js').then((m) => m.runCommand),
    summary: 'run one rollout: environment, agent, patch, verification',
    options: { dataset, instance: { type: 'string', required: true, help: 'instance id' }, agent: { type: 'string', default: 'gold', help: 'gold | replay | llm | moatless' }, ...llm, trajectory, json: { type: 'boolean', help: 'print events as JSON lines' }, profile, offline, 'env-spec': envSpec, 'repo-source': repoSource, ...imageOptions, 'rollout-timeout': rolloutTimeout, seed: { type: 'number', range: 'index', help: 'seed sent with every model request' } },
  },
  batch: {
    load: () => import('./commands/batch.js').then((m) => m.batchCommand),
    summary: 'run every (instance, sample) pair with a pool of workers, saved as a session',
    options: {
      dataset, instances, agent: { type: 'string', default: 'gold', help: 'gold | replay | llm | moatless' }, ...llm, trajectory,
      samples: { type: 'number', range: 'count', default: 1, help: 'samples per instance' }, concurrency: { type: 'number', range: 'count', default: 2, help: 'workers' },
      temperatures: { type: 'list', help: 'sample 0 at the first, the rest at the second (e.g. 0,0.5)' },
      'budget-usd': { type: 'number', range: 'positive', help: 'hard stop at this spend' }, 'budget-tokens': { type: 'number', range: 'count', help: 'hard stop at this many tokens' },
      'endpoint-max-inflight': endpointMaxInflight, 'rollout-timeout': rolloutTimeout,
      'stall-after': { type: 'number', range: 'positive', help: 'seconds without events before a rollout counts as stalled' }, session: { type: 'string', help: 'session name' },
      'sessions-dir': sessionsDir, profile, offline, 'env-spec': envSpec, seed, 'repo-source': repoSource, ...imageOptions,
      'no-remote-control': noRemoteControl,
    },
    notes: [
      'Docker engines: workers are spread over every engine listed in SWEGYM_ENGINES ("name=host,name2=host2", or bare',
      '  "host,host2" named engine0, engine1; hosts as DOCKER_HOST values: unix:///var/run/docker.sock, tcp://host:2375,',
      '  ssh://user@host) or in "engines" of swegym.config.json (or the file named by SWEGYM_CONFIG): {"engines":',
      '  [{"name": "local"}, {"name": "gpu1", "host": "ssh://me@gpu1"}], "image_disk_budget_gb": 200}; no "host": the',
      '  default engine. SWEGYM_ENGINES wins over the file; neither: the local engine only. Worker i uses engine',
      '  i mod n (use --concurrency >= number of engines); each engine prepares its own images.',
      'A model endpoint that refuses the key or the model (HTTP 401, 403, 404) stops the batch at the first rollout: exit 1,',
      "  nothing recorded as a result; fix the key or --model, then 'swegym resume <session>' runs it again.",
      'Ctrl-C: take no new rollouts, let running ones finish; a second Ctrl-C stops them at once. No container is left.',
      'Progress goes to stdout: one plain line per change when stdout is not a terminal, a live status line when it is.',
      'A closed stdout (`swegym batch ... | head -1`, a dead log collector) does not stop the batch: it keeps running to the',
      '  end without progress output, and the exit code still says how it ended.',
      "Continue a stopped or killed batch with 'swegym resume <session>'.",
      "Other processes see the batch live in <session>/live.json and steer it with 'swegym control <session> ...'",
      '  (or the workbench) unless --no-remote-control is given.',
    ],
  },
  resume: {
    load: () => import('./commands/resume.js').then((m) => m.resumeCommand),
    summary: 'continue a session: finished rollouts are kept, interrupted ones start over',
    positionals: ['session'],
    options: { 'retry-failed': { type: 'boolean', help: 're-run infrastructure failures' }, concurrency: { type: 'number', range: 'count', help: 'workers' }, 'sessions-dir': sessionsDir, 'no-remote-control': noRemoteControl },
    notes: [
      'Finished rollouts (a final verdict) are never re-run and their tallies are kept; interrupted ones start over in a',
      'fresh environment; containers left by a crashed run of the session are removed first. Engines: as for batch.',
    ],
  },
  control: {
    load: () => import('./commands/control.js').then((m) => m.controlCommand),
    summary: 'pause, resume, stop or kill/retry a rollout of a batch another process is running',
    positionals: ['session', 'action', 'rollout?'],
    options: { timeout: { type: 'number', range: 'positive', default: 10, help: 'seconds to wait for the answer' }, json, 'sessions-dir': sessionsDir },
    notes: [
      'Actions: pause | resume | stop (no new work, running rollouts finish) | stop-now | kill <rollout> | retry <rollout>.',
      "The command is appended to <session>/control.jsonl; the batch process applies it once and answers in",
      '  control-ack.jsonl. Exit: 0 done, 1 refused (or remote control disabled), 2 bad input, 3 no live process answered.',
    ],
  },
  images: {
    load: () => import('./commands/images.js').then((m) => m.imagesCommand),
    summary: "list swegym's Docker images (instance, spec hash, size, age) or prune them",
    positionals: ['action?'],
    options: {
      unused: { type: 'boolean', help: 'prune: builds a newer one superseded (after a spec change or --rebuild)' },
      'older-than': { type: 'string', help: 'prune: created longer ago than this (e.g. 12h, 7d, 2w)' },
      dataset: { type: 'string', help: "only that dataset's instances (a file, a Hugging Face name, or 'samples')" },
      all: { type: 'boolean', help: 'prune: every instance image (the other filters still apply)' },
      'dry-run': { type: 'boolean', help: 'prune: say what would be removed, remove nothing' },
      json,
    },
    notes: [
      "'swegym images' lists; 'swegym images prune' removes instance images (never one a container uses; base and environment layers are kept).",
      'An instance image is reused only when its content key matches (build recipe, the spec\'s build keys, base and environment layer, repository and base commit); otherwise it is rebuilt under a new <name>:sg-<key> tag and <name>:latest follows it.',
    ],
  },
  sessions: { load: () => import('./commands/sessions.js').then((m) => m.sessionsCommand), summary: 'list sessions', options: { 'sessions-dir': sessionsDir, json } },
  show: {
    load: () => import('./commands/show.js').then((m) => m.showCommand),
    summary: 'print a rollout of a session (--follow to watch it live)',
    positionals: ['session'],
    options: { instance: { type: 'string', help: 'instance id' }, sample: { type: 'number', range: 'index', help: 'sample index' }, follow: { type: 'boolean', help: 'keep printing new events (with --instance: until that rollout ends; otherwise until the batch ends, with a final tally line: exit 0 done, 3 stopped, 1 its process gone)' }, json, 'sessions-dir': sessionsDir },
  },
  report: { load: () => import('./commands/report.js').then((m) => m.reportCommand), summary: 'resolve rate, per-repo table, stop reasons, pass@k', positionals: ['session'], options: { json, 'sessions-dir': sessionsDir } },
  compare: { load: () => import('./commands/compare.js').then((m) => m.compareCommand), summary: 'compare two sessions instance by instance', positionals: ['a', 'b'], options: { json, 'sessions-dir': sessionsDir } },
  serve: {
    load: () => import('./commands/serve.js').then((m) => m.serveCommand),
    summary: 'serve swegym environments over HTTP for RL trainers (reset / step / close)',
    options: {
      host: { type: 'string', default: '127.0.0.1', help: 'bind address (anything but loopback needs --token)' },
      port: { type: 'number', range: 'port', help: 'port (default: a free one, printed)' },
      'max-envs': { type: 'number', range: 'count', help: 'environments at once' },
      session: { type: 'string', help: 'session that records every episode' },
      dataset,
      token: { type: 'string', help: 'bearer token clients must send' },
      'over-cap': { type: 'string', help: "'wait' or '429' when --max-envs is reached" },
      'idle-timeout': { type: 'number', range: 'positive', help: 'seconds before an idle environment is reaped' },
      'pool-size': { type: 'number', range: 'index', help: 'warm environments per instance' },
      'pool-total': { type: 'number', range: 'index', help: 'warm environments in total' },
      'sessions-dir': sessionsDir, profile, 'env-spec': envSpec,
      'max-steps': { type: 'number', range: 'count', help: 'steps before an episode is truncated' },
      'time-limit': { type: 'number', range: 'positive', help: 'seconds before an episode is truncated' },
      reward: { type: 'string', help: "'binary' (default) or 'f2p_fraction'" },
      'reward-guard': { type: 'string', help: "'off' (default) or 'strict': reward 0 for a patch that touches test files, conftest.py or test configuration (verdict.tamper)" },
    },
  },
  score: {
    load: () => import('./commands/score.js').then((m) => m.scoreCommand),
    summary: 'score every finished rollout with a verifier; best@k, pass@k, AUC',
    positionals: ['session'],
    options: {
      verifier: { type: 'string', required: true, help: 'llm | moatless-orm | regression | agreement | hybrid | tests | random' },
      config: { type: 'string', help: 'verifier config file (JSON)' }, json, rescore: { type: 'boolean', help: 'score again instances already scored' },
      dataset: { type: 'string', help: 'task records (needed for imported sessions)' }, 'sessions-dir': sessionsDir, 'env-spec': envSpec,
      chart: { type: 'string', help: 'braille | ascii | none' }, seed: { type: 'number', range: 'index', help: 'tie-break seed' }, trials: { type: 'number', range: 'count', help: "trials of SWE-Gym's estimate" },
    },
  },
  select: {
    load: () => import('./commands/select.js').then((m) => m.selectCommand),
    summary: 'pick the best candidate per instance by a verifier, as SWE-bench predictions',
    positionals: ['session'],
    options: {
      verifier: { type: 'string', required: true, help: 'llm | moatless-orm | regression | agreement | hybrid | random' }, out: { type: 'string', required: true, help: 'predictions.jsonl' },
      config: { type: 'string', help: 'verifier config file (JSON)' }, seed: { type: 'number', range: 'index', default: 42, help: 'tie-break seed' }, model: { type: 'string', help: 'model_name_or_path' },
      json, dataset: { type: 'string', help: 'task records (needed for imported sessions)' }, 'sessions-dir': sessionsDir, 'env-spec': envSpec,
    },
  },
  export: {
    load: () => import('./commands/export.js').then((m) => m.exportCommand),
    summary: 'export sft | verifier | predictions data from a session',
    positionals: ['kind', 'session'],
    options: {
      out: { type: 'string', required: true, help: 'output JSONL' }, format: { type: 'string', help: 'sft: swegym-text (default) | openai-tools | moatless (one example per LLM call of a Moatless rollout; --max-per-instance 2, --max-tokens 10240 by default); verifier: swegym (default) | moatless' },
      'max-per-instance': { type: 'number', range: 'index', help: 'sft: at most N per instance' }, 'max-turns': { type: 'number', range: 'index', help: 'sft: drop longer trajectories' },
      'max-tokens': { type: 'number', range: 'index', help: 'drop trajectories over this many tokens' }, ratio: { type: 'number', range: 'nonnegative', help: 'verifier: negatives per positive' },
      seed: { type: 'number', range: 'index', help: 'sampling seed' }, template: { type: 'string', help: 'verifier: chatml | llama3' }, sample: { type: 'number', range: 'index', help: 'predictions: which sample' },
      model: { type: 'string', help: 'model_name_or_path' }, json, 'sessions-dir': sessionsDir,
    },
  },
  import: {
    load: () => import('./commands/import.js').then((m) => m.importCommand),
    summary: "import other tools' trajectories as a session (swegym, openhands, swe-agent, mini-swe-agent)",
    positionals: ['file'],
    options: { format: { type: 'string', required: true, help: 'swegym (SWE-Gym trajectory rows) | openhands (output.jsonl) | swe-agent (.traj, 0.x and 1.x) | mini-swe-agent (.traj.json: v1, v2 with tool calls, or a bare message list) | moatless (the evaluation folder of the Moatless fork: trajs/<id>.json + prompt_logs/, or one trajs/<id>.json); a folder of .traj / .traj.json files works too. The instance id is read from inside the file when it is there, else from the file name' }, session: { type: 'string', help: 'session name' }, 'sessions-dir': sessionsDir, json },
  },
};
