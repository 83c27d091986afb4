/**
 * engine.evaluate against a perplexity computed by hand from the oracle's logits of every position (log-softmax in
 * float64), with prefill chunks that cut the text at odd places.
 */
import { describe, expect, test } from 'vitest';
import { bytesOf, cpuEngine, Oracle, tinyModel } from './helpers.js';

const model = tinyModel('4');

function handPerplexity(text: string): { nll: number; perplexity: number } {
  const tokens = bytesOf(text);
  const oracle = new Oracle(model);
  const logits = oracle.reference.forward(tokens, oracle.state, { allLogits: true });
  let total = 0;
  for (let t = 0; t + 1 < tokens.length; t++) {
    const row = Array.from(logits.subarray(t * 256, (t + 1) * 256));
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0));
    total += logSum - row[tokens[t + 1]];
  }
  const nll = total / (tokens.length - 1);
  return { nll, perplexity: Math.exp(nll) };
}

describe('evaluate', () => {
  test('nll and perplexity equal those computed from the oracle logits', async () => {
    const engine = await cpuEngine(model, { prefillChunkSize: 3 });
    const text = 'The perplexity of this short sentence, in bytes.';
    const result = await engine.evaluate(text);
    const expected = handPerplexity(text);
    expect(result.tokens).toBe(bytesOf(text).length);
    expect(result.nll).toBeCloseTo(expected.nll, 5);
    expect(result.perplexity).toBeCloseTo(expected.perplexity, 3);
    await expect(engine.evaluate('x')).rejects.toThrow(/at least 2 tokens/);
    await engine.dispose();
  });
});
