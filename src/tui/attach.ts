import { SWEGYM_LABEL } from '../core/runtime/index.js';

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `docker exec` into a running rollout's container. */
export function execCommand(containerId: string, repoDir = '/testbed'): string {
  return `docker exec -it -w ${q(repoDir)} ${containerId.slice(0, 12)} bash`;
}

/** A fresh container of the rollout's image with its patch applied, for after the rollout has ended. */
export function recreateCommand(image: string, patchFile: string, repoDir = '/testbed'): string {
  return (
    `docker run --rm -it --network none --label ${SWEGYM_LABEL}=1 -v ${q(patchFile)}:/tmp/swegym.patch:ro -w ${q(repoDir)} ${q(image)} ` +
    `bash -c 'git apply -v /tmp/swegym.patch; exec bash'`
  );
}
