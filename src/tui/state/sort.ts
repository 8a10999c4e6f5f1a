import type { RolloutSummary } from '../../core/session/index.js';
import { naturalCompare } from '../text.js';

/**
 * Sorting of the instance lists (picker, run compare), k9s style: one uppercase key per column (V verdict, I
 * instance, S steps, C cost, T time); the same key again reverses. Verdicts sort failure first, numbers largest first.
 */
export const SORT_KEYS = ['verdict', 'instance', 'steps', 'cost', 'time'] as const;
export type ListSortKey = (typeof SORT_KEYS)[number];
export interface ListSort {
  key: ListSortKey;
  reverse: boolean;
}

/** k9s: a new column sorts in its natural direction; the column already sorted on flips direction. */
export function nextSort(cur: ListSort | undefined, key: ListSortKey): ListSort {
  return cur?.key === key ? { key, reverse: !cur.reverse } : { key, reverse: false };
}

export const sortLabel = (s: ListSort | undefined): string => (s ? `sort ${s.key}${s.reverse ? ' ↑' : ''}` : '');

/** Failure first: errors, then failed grades, then resolved; instances never run last. */
const FAILURE_RANK: Record<string, number> = { error: 0, infra_error: 0, image_error: 0, no_image: 0, timeout: 1, patch_apply_failed: 1, empty_patch: 2, unresolved: 3, resolved: 5 };
export function failureRank(s: RolloutSummary | undefined): number {
  if (!s) return 9;
  if (s.status === 'running' || s.status === 'queued') return 8;
  return FAILURE_RANK[s.verdict ?? s.status] ?? (s.status === 'interrupted' ? 1 : 4);
}

export const durationOf = (s: RolloutSummary | undefined): number | undefined => (s?.started_at !== undefined && s.ended_at !== undefined ? s.ended_at - s.started_at : undefined);

/** Sorts items by one column of their representative rollout; ties (and items without a value) by natural id. */
export function sortBy<T>(items: T[], sort: ListSort | undefined, idOf: (t: T) => string, rowOf: (t: T) => RolloutSummary | undefined, failureOf: (t: T) => number = (t) => failureRank(rowOf(t))): T[] {
  if (!sort) return items;
  const num = (t: T): number | undefined => {
    const r = rowOf(t);
    if (sort.key === 'steps') return r?.turns;
    if (sort.key === 'cost') return r?.cost_usd;
    if (sort.key === 'time') return durationOf(r);
    return undefined;
  };
  const byId = (a: T, b: T) => naturalCompare(idOf(a), idOf(b));
  const cmp = (a: T, b: T): number => {
    if (sort.key === 'instance') return byId(a, b);
    if (sort.key === 'verdict') return failureOf(a) - failureOf(b) || byId(a, b);
    // Largest first; rows without the figure (never run) after those with it.
    const x = num(a);
    const y = num(b);
    if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0) || byId(a, b);
    return y - x || byId(a, b);
  };
  const out = [...items].sort(cmp);
  return sort.reverse ? out.reverse() : out;
}
