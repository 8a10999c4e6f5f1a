/**
 * The grammar of every identifier that comes from input (dataset records, the command line, the Gym API) and goes on
 * to name a file, a container label, a Docker image or a URL path segment. Checked where the identifier enters, so
 * that nothing downstream has to escape it, and so that two distinct identifiers can never map to one file.
 *
 * - Instance ids: one path component of a Docker image reference (SWE-bench's `sweb.eval.x86_64.<id>`): letters,
 *   digits and the separators `.`, `_`, `__` or runs of `-`, between alphanumerics; at most 128 characters. Every
 *   SWE-bench / SWE-Gym id (`owner__repo-1234`) fits. Ids that differ only in case would share an image (image names
 *   are lower case), so a dataset may not hold two of them.
 * - Session names: a portable directory name: starts with a letter or digit, then letters, digits, `_`, `.`, `-`;
 *   at most 128 characters. So `.`, `..`, `a/b`, `../x`, spaces and control characters are all refused.
 * - Rollout ids: `<instance id>.s<sample>.a<attempt>` (derived, never sanitised: the instance id is valid already).
 * - Image references: Docker's own reference grammar (distribution/reference), so a name never carries `..`, `%`,
 *   `?`, `#` or whitespace into the Docker API's URL path.
 */

export const MAX_ID_LENGTH = 128;

const ALNUM = '[A-Za-z0-9]+';
const SEPARATOR = '(?:[._]|__|-+)';
const COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;

export const INSTANCE_ID_PATTERN = new RegExp(`^${COMPONENT}$`);
export const SESSION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const ROLLOUT_ID_PATTERN = new RegExp(`^${COMPONENT}\\.s\\d+\\.a\\d+$`);

// distribution/reference, lower-case path components; domain with an optional port.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
export const IMAGE_REF_PATTERN = new RegExp(`^${NAME}(?::${TAG})?(?:@${DIGEST})?$`);
/** An image id as the engine returns it (`sha256:<hex>`) or a bare hex id: also safe in a URL path. */
const IMAGE_ID_PATTERN = /^(?:sha256:)?[0-9a-f]{12,64}$/;

/** Printable form of a rejected value: JSON-quoted, so a newline or an escape byte shows as `\n` / `\u001b`. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/** Why `id` is not a valid instance id, or undefined when it is. */
export function instanceIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  if (!INSTANCE_ID_PATTERN.test(id)) {
    return `${quoted(id)} is not a valid instance id: letters, digits and single '.', '_', '__' or '-' separators between them (like owner__repo-123)`;
  }
  return undefined;
}

/** Why `name` is not a valid session name, or undefined when it is. */
export function sessionNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.trim() === '') return `${quoted(name)} is blank: a session name starts with a letter or digit`;
  if (name.length > MAX_ID_LENGTH) return `is longer than ${MAX_ID_LENGTH} characters`;
  if (!SESSION_NAME_PATTERN.test(name)) {
    return `${quoted(name)} is not a valid session name: a letter or digit, then letters, digits, '_', '.' or '-' (no '/', no spaces)`;
  }
  return undefined;
}

export function rolloutIdProblem(id: string): string | undefined {
  if (id.length > MAX_ID_LENGTH + 40 || !ROLLOUT_ID_PATTERN.test(id)) return `${quoted(id)} is not a rollout id (<instance id>.s<sample>.a<attempt>)`;
  return undefined;
}

export function imageRefProblem(ref: string): string | undefined {
  if (ref.length === 0) return 'is empty';
  if (ref.length > 255 + 130) return 'is too long for an image reference';
  if (!IMAGE_REF_PATTERN.test(ref)) return `${quoted(ref)} is not a valid Docker image reference`;
  return undefined;
}

/** Bad input: the CLI turns it into exit 2, the Gym API into a 400. */
export class InvalidIdentifierError extends Error {
  constructor(
    readonly what: string,
    readonly problem: string,
  ) {
    super(`${what} ${problem}`);
    this.name = 'InvalidIdentifierError';
  }
}

export function assertSessionName(name: string, what = '--session'): string {
  const p = sessionNameProblem(name);
  if (p) throw new InvalidIdentifierError(what, p);
  return name;
}

export function assertInstanceId(id: string, what = 'instance id'): string {
  const p = instanceIdProblem(id);
  if (p) throw new InvalidIdentifierError(what, p);
  return id;
}

export function assertRolloutId(id: string, what = 'rollout id'): string {
  const p = rolloutIdProblem(id);
  if (p) throw new InvalidIdentifierError(what, p);
  return id;
}

/**
 * The last check before an image name goes into a Docker API URL path (`/images/<name>/json`): dockerode does not
 * escape it, and a `..` segment would let the request leave the engine's socket.
 */
export function assertImageRef(ref: string, what = 'image'): string {
  if (IMAGE_ID_PATTERN.test(ref)) return ref;
  const p = imageRefProblem(ref);
  if (p) throw new InvalidIdentifierError(what, p);
  return ref;
}
