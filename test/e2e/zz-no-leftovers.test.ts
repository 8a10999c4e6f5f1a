/**
 * Runs last (scripts/test.sh passes the files in name order, e2e after integration, one file at a time):
 * after the whole suite, no container with the swegym label may remain.
 *
 * In CI (SWEGYM_STRICT_LEFTOVERS=1, set by .ci/run) the machine is ours alone: every labelled container counts.
 * On a shared dev machine other people's swegym processes may be running, so there a container counts when it
 * was created since the suite started (SWEGYM_SUITE_START, set by scripts/test.sh) and its creating process is
 * gone — or it carries no owner at all. A container that disappears while this test waits (up to a minute: the engine
 * removes containers asynchronously, and an earlier file's child process may still be cleaning up on a loaded
 * machine) belonged to something still running and is not a leftover. A clean suite passes at the first look.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import Dockerode from 'dockerode';
import { SWEGYM_LABEL } from '../../src/core/runtime/types.js';
import { pidAlive } from '../../src/core/util/process.js';

const docker = new Dockerode();
const strict = process.env.SWEGYM_STRICT_LEFTOVERS === '1';
const since = Number(process.env.SWEGYM_SUITE_START ?? 0);


async function leftovers(): Promise<Dockerode.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${SWEGYM_LABEL}=1`] } });
  if (strict) return all;
  return all.filter((c) => {
    if (c.Created < since) return false;
    const host = c.Labels['io.swegym.host'];
    if (host && host !== hostname()) return false;
    const pid = Number(c.Labels['io.swegym.pid']);
    return !pid || !pidAlive(pid);
  });
}

test('after the suite, no container with the io.swegym.managed label remains', async () => {
  let found = await leftovers();
  const deadline = Date.now() + 60_000;
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    // Only the first look's containers are waited for; the report shows their latest state.
    const ids = new Set(found.map((c) => c.Id));
    found = (await leftovers()).filter((c) => ids.has(c.Id));
  }
  const describe = (c: Dockerode.ContainerInfo) =>
    `${c.Id.slice(0, 12)} ${c.Image} ${c.State} ${Object.entries(c.Labels).filter(([k]) => k.startsWith('io.swegym.')).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  assert.deepEqual(found.map(describe), [], `containers left behind by the suite (strict: ${strict})`);
});
