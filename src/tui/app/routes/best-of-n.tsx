import React, { useEffect } from 'react';
import { BestOfN } from '../../screens/best-of-n.js';
import { useWorkbench } from '../context.js';
import type { Screen } from '../nav.js';
import { byInstance, sessionCurves } from '../../state/compare.js';

export function BestOfNRoute({ screen, onWinners }: { screen: Extract<Screen, { kind: 'bestofn' }>; onWinners(dir: string, w: Map<string, string>): void }): React.JSX.Element {
  const w = useWorkbench();
  const { backend, registry, sessions, rollouts, actions, dispatch } = w;
  const dir = screen.sessionDir;
  // Winners marked earlier (in this or another run of the workbench) show again.
  useEffect(() => {
    if (dir && backend.winners) void backend.winners(dir).then((m) => onWinners(dir, m), () => undefined);
  }, [dir]);
  const s = dir ? sessions.open.get(dir) : undefined;
  const all = s ? s.summaries : rollouts.startedSummaries();
  const bi = byInstance(all);
  const key = `${dir ?? ""}:${screen.instanceId}`;
  return (
    <BestOfN
      instanceId={screen.instanceId}
      candidates={bi.get(screen.instanceId) ?? []}
      loadPatch={async (id) => {
        await rollouts.load(id, dir);
        return registry.store(id).get().patch;
      }}
      curves={sessionCurves(bi)}
      testsOf={(id) => {
        if (!registry.has(id)) {
          // Not loaded: the index row has the counts and the first failing test (no log is read for them).
          const s = all.find((r) => r.rollout_id === id);
          if (!s?.f2p || !s.p2p) return undefined;
          const of = (c: { passed: number; failed: number }) => `${c.passed}/${c.passed + c.failed}`;
          return { f2p: of(s.f2p), p2p: of(s.p2p), failing: s.failing_test };
        }
        const vm = registry.store(id).get();
        if (!vm.verdict) return undefined;
        const of = (k: string) => vm.tests.filter((t) => t.kind === k);
        const ok = (k: string) => `${of(k).filter((t) => t.passed).length}/${of(k).length}`;
        const failing = vm.tests.filter((t) => !t.passed).sort((a, b) => (a.kind === 'F2P' ? -1 : 0) - (b.kind === 'F2P' ? -1 : 0))[0]?.name;
        return { f2p: ok('F2P'), p2p: ok('P2P'), failing };
      }}
      width={w.width}
      height={w.height}
      active={w.active}
      winner={w.winners.get(key)}
      onMarkWinner={(id) => {
        onWinners(dir ?? '', new Map([[screen.instanceId, id]]));
        if (dir) void backend.markWinner?.(dir, screen.instanceId, id);
      }}
      onOpen={(id) => void actions.openRollout(id, dir)}
      onBack={() => dispatch({ type: 'pop' })}
    />
  );
}
