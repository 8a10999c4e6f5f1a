import { z } from 'zod';
import { PARSER_NAMES } from '../parser-names.js';

/**
 * Per repo/version environment spec, as data. Keys follow the SWE-bench harness's MAP_REPO_VERSION_TO_SPECS
 * (python, packages, pre_install, install, env_patches, eval_commands, pip_packages, no_use_env, test_cmd,
 * execute_test_as_nonroot, nano_cpus, reqs_paths, env_yml_paths); the rest are swegym's (parser, base image,
 * offline build, timeouts, published_images). Every key is documented in docs/env-specs.md. An unknown key is an
 * error (a typo would otherwise be ignored silently), and so is an unknown parser: both are found when the file is
 * loaded, not when an instance runs.
 */
export const EnvSpec = z
  .object({
    python: z.string().optional(),
    packages: z.string().optional(),
    pre_install: z.array(z.string()).optional(),
    install: z.string().optional(),
    env_patches: z.array(z.string()).optional(),
    eval_commands: z.array(z.string()).optional(),
    pip_packages: z.array(z.string()).optional(),
    no_use_env: z.boolean().optional(),
    /**
     * Required. `null` only transcribes an official table entry that has none (SWE-bench v4.1.0's
     * dbt-labs/dbt-core, where make_eval_script_list raises KeyError): building its eval script is an error.
     */
    test_cmd: z.union([z.string(), z.array(z.string()), z.null()]),
    execute_test_as_nonroot: z.boolean().optional(),
    nano_cpus: z.number().optional(),
    /** Requirements files / conda environment files the official harness installs from (not used offline). */
    reqs_paths: z.array(z.string()).optional(),
    env_yml_paths: z.array(z.string()).optional(),
    /** Log parser name: one of the harness's parsers (PARSER_NAMES). */
    parser: z
      .string()
      .refine((p) => (PARSER_NAMES as readonly string[]).includes(p), { message: `unknown parser: known parsers are ${PARSER_NAMES.join(', ')}` })
      .default('pytest'),
    /** Shell lines that activate the environment before eval (default: the conda `testbed` env). */
    activate: z.array(z.string()).optional(),
    /** Offline builds (no registry): Debian packages for the debootstrap base, commands run in the env layer. */
    base_packages: z.array(z.string()).optional(),
    env_setup: z.array(z.string()).optional(),
    /** false: this dataset's instance images are published nowhere, so swegym never tries to pull them. */
    published_images: z.boolean().optional(),
    /** Seconds. */
    test_timeout: z.number().positive().optional(),
    install_timeout: z.number().positive().optional(),
  })
  .strict();
export type EnvSpec = z.output<typeof EnvSpec>;

export const EnvSpecFile = z.object({
  /** Where these specs come from, e.g. "SWE-Gym fork swebench/harness/constants.py" and the harness version. */
  source: z.string(),
  harness_version: z.string().optional(),
  /** repo ("owner/name", matched lower-cased) -> version -> spec */
  repos: z.record(z.string(), z.record(z.string(), EnvSpec)),
}).strict();
export type EnvSpecFile = z.output<typeof EnvSpecFile>;
