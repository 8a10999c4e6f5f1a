import { z } from 'zod';
import { imageRefProblem, instanceIdProblem } from '../util/identifiers.js';
import { KNOWN_PARSER_NAMES, OFFICIAL_PARSERS_NOT_IMPLEMENTED } from '../parser-names.js';

/** FAIL_TO_PASS / PASS_TO_PASS: SWE-Gym ships arrays, SWE-bench ships JSON-encoded strings; accept both. */
export const TestList = z.union([
  z.array(z.string()),
  z.string().transform((s, ctx) => {
    try {
      const v = JSON.parse(s);
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    } catch {
      /* fallthrough */
    }
    ctx.addIssue({ code: 'custom', message: 'must be a list of test ids or a JSON-encoded list of strings' });
    return z.NEVER;
  }),
]);

export const TaskRecord = z
  .object({
    // The id names files, labels and images: it must follow the identifier grammar (src/core/util/identifiers.ts).
    instance_id: z.string().superRefine((id, ctx) => {
      const problem = instanceIdProblem(id);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be "owner/name"'),
    base_commit: z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-hex commit sha'),
    patch: z.string(),
    test_patch: z.string(),
    problem_statement: z.string(),
    hints_text: z.string().default(''),
    created_at: z.string().default(''),
    version: z.union([z.string(), z.number().transform((n) => String(n))]),
    FAIL_TO_PASS: TestList,
    PASS_TO_PASS: TestList,
    environment_setup_commit: z.string().optional(),
    image_name: z
      .string()
      .superRefine((ref, ctx) => {
        const problem = imageRefProblem(ref);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    // SWE-bench 5.x records (main 7a21e05) carry their own harness inputs; the `swebench` profile uses them
    // as make_test_spec does. Records without them are graded from the env spec, as before.
    /** The whole eval.sh (its shebang and `set -uxo pipefail` lines are dropped, the exit-code lines added). */
    eval_script: z.string().optional(),
    /** A parser registry name (`parse_log_astropy`, ...) or a swegym short name (`pytest_v2`). */
    log_parser: z
      .string()
      .refine((p) => KNOWN_PARSER_NAMES.includes(p) || OFFICIAL_PARSERS_NOT_IMPLEMENTED.includes(p), {
        message: `must be a known log parser (${KNOWN_PARSER_NAMES.join(', ')})`,
      })
      .optional(),
    eval_type: z.enum(['pass_and_fail', 'fail_only']).optional(),
    /** The instance's image (registry name); tried right after image_name. */
    image: z
      .string()
      .superRefine((ref, ctx) => {
        const problem = imageRefProblem(ref);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** Multimodal binary assets (JSON string or object); recorded, not materialised by swegym. */
    image_assets: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  })
  .passthrough();

export type TaskRecord = z.output<typeof TaskRecord>;
