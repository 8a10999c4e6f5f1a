import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { T } from '../components/theme-context.js';
import { useBoundInput } from '../components/keys-context.js';
import type { BatchOptions } from '../backend.js';
import { padEnd } from '../text.js';

/** The options of `swegym batch` a workbench batch takes, as text fields (what the user typed is what runs). */
const FIELDS = [
  { key: 'samples', label: 'samples per instance', hint: 'n rollouts of each instance (best-of-n)' },
  { key: 'temperatures', label: 'temperatures', hint: 'comma-separated; sample i uses the i-th, the last repeats' },
  { key: 'concurrency', label: 'concurrency', hint: 'rollouts at once' },
  { key: 'budget', label: 'budget USD', hint: 'stop taking work past this spend (empty: none)' },
  { key: 'seed', label: 'seed', hint: 'seeds are a function of (seed, instance, sample): reproducible' },
] as const;
type Key = (typeof FIELDS)[number]['key'];

/** Parses the fields; an error names the field. */
export function parseBatchOptions(v: Record<Key, string>): { opts?: BatchOptions; error?: string } {
  const int = (k: Key, min: number): number | string => {
    const n = Number(v[k]);
    return Number.isInteger(n) && n >= min ? n : `${k}: a whole number >= ${min}, got "${v[k]}"`;
  };
  const samples = int('samples', 1);
  const concurrency = int('concurrency', 1);
  const seed = int('seed', 0);
  const temps = v.temperatures.split(',').map((t) => t.trim()).filter(Boolean).map(Number);
  const budget = v.budget.trim() ? Number(v.budget) : undefined;
  for (const x of [samples, concurrency, seed]) if (typeof x === 'string') return { error: x };
  if (!temps.length || temps.some((t) => !Number.isFinite(t) || t < 0 || t > 2)) return { error: `temperatures: numbers from 0 to 2, comma-separated, got "${v.temperatures}"` };
  if (budget !== undefined && !(budget > 0)) return { error: `budget: a positive number of dollars, or empty for none, got "${v.budget}"` };
  return { opts: { samples: samples as number, concurrency: concurrency as number, seed: seed as number, temperatures: temps, ...(budget !== undefined ? { budgetUsd: budget } : {}) } };
}

export interface BatchOptionsFormProps {
  instances: number;
  agent: string;
  defaults?: BatchOptions;
  width: number;
  active: boolean;
  onStart(opts: BatchOptions): void;
  onBack(): void;
}

/** j/k (or arrows) choose a field, typing edits it, Backspace deletes, Enter starts the batch, Esc goes back. */
export function BatchOptionsForm(props: BatchOptionsFormProps): React.JSX.Element {
  const d = props.defaults ?? {};
  const [values, setValues] = useState<Record<Key, string>>({
    samples: String(d.samples ?? 1),
    temperatures: (d.temperatures ?? [0]).join(','),
    concurrency: String(d.concurrency ?? 2),
    budget: d.budgetUsd !== undefined ? String(d.budgetUsd) : '',
    seed: String(d.seed ?? 0),
  });
  const [field, setField] = useState(0);
  const [error, setError] = useState<string>();
  const key = FIELDS[field]!.key;
  useBoundInput(
    'agent',
    (action, name, input) => {
      setError(undefined);
      if (name === 'escape') return props.onBack();
      if (name === 'return') {
        const r = parseBatchOptions(values);
        return r.opts ? props.onStart(r.opts) : setError(r.error);
      }
      if (name === 'down' || name === 'tab') return setField((f) => (f + 1) % FIELDS.length);
      if (name === 'up' || name === 'shift+tab') return setField((f) => (f + FIELDS.length - 1) % FIELDS.length);
      if (name === 'backspace') return setValues((v) => ({ ...v, [key]: v[key].slice(0, -1) }));
      if (action === 'global.help') return;
      if (input && /^[0-9.,\s]+$/.test(input)) setValues((v) => ({ ...v, [key]: v[key] + input }));
    },
    props.active,
    { textEntry: true },
  );
  const parsed = parseBatchOptions(values).opts;
  const rollouts = parsed ? props.instances * (parsed.samples ?? 1) : undefined;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end"><T role="title">{`Batch of ${props.instances} instance(s) with ${props.agent}: options (as swegym batch)`}</T></Text>
      {FIELDS.map((f, i) => (
        <Text key={f.key} wrap="truncate-end">
          <T role={i === field ? 'focus' : undefined}>{`${i === field ? '❯ ' : '  '}${padEnd(f.label, 21)} `}</T>
          <T role={i === field ? 'selected' : undefined}>{values[f.key] || (f.key === 'budget' ? '∞' : '')}</T>
          {i === field && <T role="focus">▏</T>}
          <T role="muted">{i === field ? `  ${f.hint}` : ''}</T>
        </Text>
      ))}
      <Text wrap="truncate-end">
        {error ? <T role="status.error">{error}</T> : <T role="muted">{`${rollouts ?? '?'} rollout(s) · Enter start · ↑/↓ field · Esc back`}</T>}
      </Text>
    </Box>
  );
}
