/**
 * session.generate({ logprobs, topLogprobs }) on the CPU backend: each token's log-probabilities are those of the
 * distribution it was drawn from, recomputed here from the CPU oracle's logits (log-softmax, over the top-k kept
 * tokens at the given temperature); bytes are the token's; bad values are refused before any token.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import type { GenerateOptions } from '../../src/protocol/types.js';
import { bytesOf, collect, cpuEngine, Oracle, tinyModel } from './helpers.js';

const model = tinyModel('6');
const PROMPT = 'Log me';
let engine: Engine;

beforeAll(async () => {
  engine = await cpuEngine(model);
});
afterAll(() => engine.dispose());

async function generate(options: GenerateOptions) {
  const session = await engine.createSession();
  await session.prefill(PROMPT);
  try {
    return await collect(session.generate(options));
  } finally {
    await session.dispose();
  }
}

/** ln softmax(logits / temperature) over the `k` largest logits (all when k = 0). */
function referenceLogprobs(logits: Float32Array, temperature: number, k: number): Map<number, number> {
  const order = [...logits.keys()].sort((a, b) => logits[b] - logits[a] || a - b);
  const kept = k > 0 ? order.slice(0, k) : order;
  const max = logits[kept[0]] / temperature;
  const logTotal = Math.log(kept.reduce((sum, id) => sum + Math.exp(logits[id] / temperature - max), 0)) + max;
  return new Map(kept.map((id) => [id, logits[id] / temperature - logTotal]));
}

describe('generate with logprobs', () => {
  test.each([
    { temperature: 0, topK: 0, label: 'greedy: the softmax of the logits' },
    { temperature: 0.8, topK: 12, label: 'top-k 12 at temperature 0.8' },
  ])('$label, token after token, as the oracle computes them', async ({ temperature, topK }) => {
    const tokens = await generate({ temperature, topK, seed: 4, maxTokens: 12, logprobs: true, topLogprobs: 5 });
    const oracle = new Oracle(model);
    let logits = oracle.feed(bytesOf(PROMPT));
    for (const { token, logprobs } of tokens) {
      const expected = referenceLogprobs(logits, temperature === 0 ? 1 : temperature, topK);
      expect(logprobs!.logprob).toBeCloseTo(expected.get(token)!, 4);
      expect(logprobs!.bytes).toEqual([token]);
      expect(logprobs!.top).toHaveLength(5);
      const best = [...expected.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
      logprobs!.top.forEach((entry, rank) => {
        expect(entry.token).toBe(best[rank][0]);
        expect(entry.logprob).toBeCloseTo(best[rank][1], 4);
        expect(entry.bytes).toEqual([entry.token]);
      });
      if (temperature === 0) expect(token).toBe(logprobs!.top[0].token);
      logits = oracle.feed([token]);
    }
  });

  test('without logprobs no token carries them; logprobs alone lists no alternatives', async () => {
    for (const { logprobs } of await generate({ seed: 1, maxTokens: 4 })) expect(logprobs).toBeUndefined();
    for (const { logprobs } of await generate({ seed: 1, maxTokens: 4, logprobs: true })) {
      expect(logprobs!.top).toEqual([]);
      expect(logprobs!.logprob).toBeLessThanOrEqual(0);
    }
  });

  test.each<[GenerateOptions, RegExp]>([
    [{ logprobs: true, topLogprobs: 21 }, /topLogprobs must be an integer in 0..20, not 21/],
    [{ topLogprobs: 3 }, /topLogprobs needs logprobs: true/],
    [{ logprobs: 'yes' as unknown as boolean }, /logprobs must be true or false/],
  ])('refuses %j before any token', async (options, message) => {
    await expect(generate(options)).rejects.toThrow(message);
  });
});
