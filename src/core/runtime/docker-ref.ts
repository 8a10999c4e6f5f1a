import type Dockerode from 'dockerode';
import { assertImageRef } from '../util/identifiers.js';

/**
 * The one way to get an image handle: dockerode puts the name unescaped into the request path
 * (`/images/<name>/json`), so a name is checked against Docker's reference grammar first. A `../` in a name taken
 * from a dataset would otherwise normalise the URL and send the request to another host.
 */
export function imageHandle(docker: Dockerode, name: string): Dockerode.Image {
  return docker.getImage(assertImageRef(name));
}

/** The engine answered "no such image" (as opposed to not answering at all). */
export function isNotFound(e: unknown): boolean {
  return (e as { statusCode?: number } | undefined)?.statusCode === 404;
}
