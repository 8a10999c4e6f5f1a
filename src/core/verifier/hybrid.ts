import type { Candidate, Score, Verifier } from './types.js';

export interface WeightedPart {
  verifier: Verifier;
  weight: number;
}

/**
 * A weighted combination of other verifiers: score = sum(w_i * s_i) / sum(w_i). A part that fails for an instance
 * is left out of that instance's sum (its weight too) and flagged, so one broken endpoint does not zero the rest.
 */
export class HybridVerifier implements Verifier {
  readonly name = 'hybrid';
  constructor(readonly parts: WeightedPart[]) {
    if (!parts.length) throw new Error('hybrid verifier: no parts (give weights in the config, e.g. {"weights": {"llm": 0.5, "regression": 0.5}})');
    for (const p of parts) {
      if (!(p.weight >= 0) || !Number.isFinite(p.weight)) throw new Error(`hybrid verifier: weight of '${p.verifier.name}' must be a finite number >= 0`);
      if (p.verifier.oracle) throw new Error('hybrid verifier: the tests oracle cannot be part of a selection verifier');
    }
  }

  async scoreInstance(candidates: Candidate[], signal?: AbortSignal): Promise<Score[]> {
    const results: Array<{ part: WeightedPart; scores?: Score[]; error?: string }> = [];
    for (const part of this.parts) {
      try {
        results.push({ part, scores: await part.verifier.scoreInstance(candidates, signal) });
      } catch (e) {
        results.push({ part, error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (results.every((r) => r.error)) throw new Error(`hybrid verifier: every part failed: ${results.map((r) => `${r.part.verifier.name}: ${r.error}`).join('; ')}`);
    return candidates.map((_, i) => {
      let sum = 0;
      let wsum = 0;
      const expl: string[] = [];
      const flags: string[] = [];
      for (const r of results) {
        const name = r.part.verifier.name;
        if (r.error) {
          flags.push(`${name}:failed`);
          expl.push(`${name} failed (${r.error})`);
          continue;
        }
        const s = r.scores![i]!;
        sum += r.part.weight * s.score;
        wsum += r.part.weight;
        expl.push(`${name}=${s.score.toFixed(3)}×${r.part.weight}`);
        flags.push(...s.flags.map((f) => `${name}:${f}`));
      }
      const score = wsum > 0 ? sum / wsum : 0;
      return { score, explanation: `${score.toFixed(3)} = (${expl.join(' + ')}) / ${wsum}`, flags };
    });
  }
}
