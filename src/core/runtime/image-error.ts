/** An instance image could not be found, pulled or built. `reason` says why, in words a user can act on. */
export class ImageError extends Error {
  override name = 'ImageError';
  constructor(
    readonly reason: string,
    readonly instanceId?: string,
    readonly log?: string,
  ) {
    super(instanceId ? `image for ${instanceId}: ${reason}` : reason);
  }
}
