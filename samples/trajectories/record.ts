/**
 * Records samples/trajectories/<instance_id>.jsonl: a real rollout (Docker, the sample's instance image) of the LLM
 * agent driven by a scripted OpenAI-compatible server on 127.0.0.1 (real `openai` client over HTTP). The scripted
 * model explores, reproduces the bug, edits with str_replace_editor, runs the tests and finishes; the recording
 * is every RolloutEvent of that run, one JSON line each, and is what `swegym run --agent replay` replays.
 *
 *   node --import tsx samples/trajectories/record.ts [--out FILE]
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { RolloutEmitter, type RolloutEvent } from '../../src/core/events.js';
import { LlmAgent } from '../../src/core/agent/llm/agent.js';
import { DockerProvider, SESSION_LABEL } from '../../src/core/runtime/docker.js';
import { runRollout } from '../../src/core/rollout/run-rollout.js';
import { verifyPatch } from '../../src/core/harness/verify.js';
import { startScriptedServer } from '../../test/helpers/scripted-openai-server.js';
import { SCRIPTED_INSTANCE, SCRIPTED_KEY_ENV, scriptedAgentConfig, scriptedFixReplies } from '../../test/integration/rollout-scripted.js';
import { sampleImage, sampleTasks, specFor } from '../../test/integration/rollout-images.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? process.argv[outArg + 1] : join(here, `${SCRIPTED_INSTANCE}.jsonl`);

const task = (await sampleTasks()).find((t) => t.instance_id === SCRIPTED_INSTANCE);
if (!task) throw new Error(`${SCRIPTED_INSTANCE} is not among the sample tasks`);
const { image, source } = await sampleImage(task);
const server = await startScriptedServer(scriptedFixReplies(task));
const provider = new DockerProvider();
const events: RolloutEvent[] = [];
try {
  const agent = new LlmAgent(scriptedAgentConfig(server.url), { env: { [SCRIPTED_KEY_ENV]: 'scripted-key' } });
  const outcome = await runRollout({
    task,
    agent,
    provider,
    image,
    imageSource: source,
    emitter: new RolloutEmitter(`recorded-${SCRIPTED_INSTANCE}`, (e) => events.push(e)),
    temperature: 0,
    verify: (patch) => verifyPatch({ task, patch, spec: specFor(task), profile: 'swegym', provider, image, offline: true }),
  });
  if (outcome.status !== 'completed' || !outcome.verdict?.resolved) {
    throw new Error(`the scripted rollout did not resolve the task: ${outcome.status} ${outcome.error ?? ''} ${JSON.stringify(outcome.verdict)}`);
  }
  // Stable across re-recordings: timestamps and the local server's port are not part of what a replay compares.
  const stable = events.map((e) => JSON.parse(JSON.stringify(e).split(server.url).join('http://127.0.0.1:0/v1')) as RolloutEvent);
  await writeFile(out, stable.map((e) => JSON.stringify(e)).join('\n') + '\n');
  console.log(`wrote ${stable.length} events to ${out}: ${outcome.result?.reason}, verdict ${outcome.verdict.status}`);
} finally {
  await server.close();
  await provider.sweep({ [SESSION_LABEL]: provider.sessionId }).catch(() => undefined);
}
