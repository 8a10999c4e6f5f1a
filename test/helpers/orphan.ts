import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import type Dockerode from 'dockerode';
import { HOST_LABEL, PID_LABEL, SWEGYM_LABEL } from '../../src/core/runtime/types.js';

/** A running container labelled as made by a process of this host that has exited: a crashed run's leftover. */
export async function makeOrphan(docker: Dockerode, image: string, labels: Record<string, string>): Promise<string> {
  const dead = spawnSync('true').pid!;
  const c = await docker.createContainer({
    Image: image,
    Entrypoint: ['tail'],
    Cmd: ['-f', '/dev/null'],
    Labels: { ...labels, [SWEGYM_LABEL]: '1', [PID_LABEL]: String(dead), [HOST_LABEL]: hostname() },
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  return c.id;
}
