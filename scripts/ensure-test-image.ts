/**
 * The image the Docker-backed tests start from (`swegym-base:dev`, or $SWEGYM_TEST_IMAGE): Debian bookworm minbase
 * with python3, pytest, git, patch and procps. On a fresh machine it is the samples' debootstrap base image
 * (the same one `swegym verify` builds on first use), tagged under the test name. Prints what it did.
 */
import Dockerode from 'dockerode';
import { ensureBaseImage } from '../src/core/runtime/base-image.js';
import { imageExists } from '../src/core/runtime/build-container.js';

const name = process.env.SWEGYM_TEST_IMAGE ?? 'swegym-base:dev';
const docker = new Dockerode();
if (await imageExists(docker, name)) {
  console.error(`swegym: test image ${name} present`);
} else {
  console.error(`swegym: building the test image ${name} from Debian packages (debootstrap, about a minute) ...`);
  const base = await ensureBaseImage(['python3', 'python3-pytest'], { docker, onLog: (l) => console.error(`  ${l}`) });
  const colon = name.lastIndexOf(':');
  const [repo, tag] = colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
  await docker.getImage(base.image).tag({ repo, tag });
  console.error(`swegym: tagged ${base.image} as ${name}`);
}

// The bundled samples' instance images, built offline up front (never pulled): the suite then sends nothing past
// loopback, and no test pays for a first build inside its own time budget.
{
  const { loadTasks } = await import('../src/core/dataset/load.js');
  const { loadSpecRegistry } = await import('../src/core/runtime/spec-registry.js');
  const { ensureInstanceImage } = await import('../src/core/runtime/images.js');
  const { sampleRepoSource } = await import('../src/core/dataset/samples.js');
  const { tasks } = await loadTasks('samples');
  const specs = loadSpecRegistry();
  for (const task of tasks) {
    const got = await ensureInstanceImage(task, specs.lookup(task.repo, task.version), {
      docker,
      pull: false,
      offline: true,
      repoSource: sampleRepoSource(task.repo),
      onLog: (l) => console.error(`  ${l}`),
    });
    console.error(`swegym: sample image ${got.image} (${got.source})`);
  }
}
