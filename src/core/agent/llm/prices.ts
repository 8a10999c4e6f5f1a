import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Price } from './config.js';
import type { Usage } from '../../events.js';

export const DEFAULT_PRICES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../config/prices.json');

export type PriceTable = Record<string, Price>;

export async function loadPriceTable(file = DEFAULT_PRICES_FILE): Promise<PriceTable> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`price table ${file}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`price table ${file}: must be a JSON object`);
  const table: PriceTable = {};
  for (const [model, v] of Object.entries(raw)) {
    if (model.startsWith('_')) continue;
    const r = Price.safeParse(v);
    if (!r.success) throw new Error(`price table ${file}: model "${model}": ${z.prettifyError(r.error).replace(/\n/g, ' ')}`);
    table[model] = r.data;
  }
  return table;
}

export function priceFor(model: string, table: PriceTable): Price | undefined {
  return table[model] ?? table[model.split('/').pop() ?? model];
}

export function costOf(usage: Pick<Usage, 'prompt_tokens' | 'completion_tokens'>, price: Price | undefined): number {
  if (!price) return 0;
  return (usage.prompt_tokens * price.input_per_mtok + usage.completion_tokens * price.output_per_mtok) / 1e6;
}
