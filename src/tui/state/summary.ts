import type { RolloutSummary } from '../../core/session/types.js';
import type { RolloutViewModel } from './rollout-view-model.js';
import { isLive } from './rollout-view-model.js';

/** A summary row for a rollout known only from its events (a live rollout of this workbench). */
export function summaryFromView(vm: RolloutViewModel): RolloutSummary {
  return {
    rollout_id: vm.rolloutId,
    instance_id: vm.instanceId,
    sample: vm.sample,
    status: isLive(vm) ? 'running' : vm.phase === 'completed' ? 'completed' : (vm.phase as RolloutSummary['status']),
    verdict: vm.verdict?.status,
    resolved: vm.verdict?.resolved,
    scores: Object.fromEntries(Object.entries(vm.scores).map(([k, v]) => [k, v.score])),
    stop_reason: vm.stopReason,
    turns: vm.turns,
    prompt_tokens: vm.promptTokens,
    completion_tokens: vm.completionTokens,
    cost_usd: vm.costUsd,
    patch_lines: vm.patch ? vm.patch.split('\n').filter((l) => /^[+-](?![+-]{2})/.test(l)).length : 0,
    started_at: vm.startedTs,
    ended_at: vm.endedTs,
    last_event_at: vm.lastEventTs,
  };
}
