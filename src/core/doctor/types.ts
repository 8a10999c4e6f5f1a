/**
 * `swegym doctor`: each check says what it found and, when something is wrong, the one thing to do about it.
 * `fail` means the command line being checked cannot work; `warn` means it will work but something is slow or
 * missing that swegym will make on first use (a base image, the sample images).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  /** Stable id, e.g. `engine:local`, `endpoint`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found: versions, sizes, times. */
  detail: string;
  /** What to do when status is warn or fail. */
  fix?: string;
  /** Milliseconds the check took. */
  ms: number;
}

export interface DoctorOptions {
  /** Dataset as given on the command line (`samples`, a file, or a Hugging Face name). */
  dataset?: string;
  sessionsDir: string;
  /** OpenAI-compatible endpoint to check (`--base-url`, else OPENAI_BASE_URL). */
  baseUrl?: string;
  model?: string;
  /** Name of the environment variable holding the key (never the key itself on a command line). */
  apiKeyEnv?: string;
  env?: Record<string, string | undefined>;
  /** Per network call (engine, endpoint, hub). */
  timeoutMs?: number;
  /** Skip the container start (it needs an image; `--quick` in scripts/start.sh). */
  quick?: boolean;
}
