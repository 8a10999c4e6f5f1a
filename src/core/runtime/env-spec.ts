import { z } from 'zod';

/**
 * Per repo/version environment spec, as data. Keys follow the SWE-bench harness's MAP_REPO_VERSION_TO_SPECS
 * (python, packages, pre_install, install, env_patches, eval_commands, pip_packages, no_use_env, test_cmd,
 * execute_test_as_nonroot, nano_cpus); the rest are swegym's (parser, base image, offline build, timeouts).
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
    test_cmd: z.union([z.string(), z.array(z.string())]),
    execute_test_as_nonroot: z.boolean().optional(),
    nano_cpus: z.number().optional(),
    /** Log parser name: pytest | pytest_options | pytest_v2 | pydantic | django | sympy | seaborn | matplotlib. */
    parser: z.string().default('pytest'),
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
  .passthrough();
export type EnvSpec = z.output<typeof EnvSpec>;

export const EnvSpecFile = z.object({
  /** Where these specs come from, e.g. "SWE-Gym fork swebench/harness/constants.py" and the harness version. */
  source: z.string(),
  harness_version: z.string().optional(),
  /** repo ("owner/name", matched lower-cased) -> version -> spec */
  repos: z.record(z.string(), z.record(z.string(), EnvSpec)),
});
export type EnvSpecFile = z.output<typeof EnvSpecFile>;
