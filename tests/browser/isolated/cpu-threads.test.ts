/**
 * The CPU backend's threads in a real browser: this project's page is cross-origin isolated (vitest.config.ts sends
 * COOP/COEP), so the engine's Web Worker starts 2 thread workers sharing the WebAssembly memory. A synthetic RWKV-7
 * wide enough (C = 512) that its matrix products are split between the threads: the last logits after a prompt
 * match the oracle's (the reference backend) and greedy tokens equal its tokens.
 */
import { expect, test } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { collect } from '../../engine/helpers.js';
import { blockModelBytes, maxDifference } from '../../wasm/helpers.js';

const PROMPT = 'A quiet river';

async function run(model: Uint8Array, backend: 'cpu' | 'reference', threads: number) {
  const engine = await createEngine({ model, backend, threads });
  const session = await engine.createSession();
  await session.prefill(PROMPT);
  const logits = await session.logits();
  const tokens = (await collect(session.generate({ maxTokens: 4, temperature: 0 }))).map((piece) => piece.token);
  const used = engine.info.cpu?.threads;
  await engine.dispose();
  return { logits, tokens, used };
}

test('in a cross-origin-isolated page the CPU backend runs on 2 threads and matches the oracle', async () => {
  expect(crossOriginIsolated).toBe(true);
  const model = blockModelBytes('f16', '7', 5, 512);
  const threaded = await run(model, 'cpu', 2);
  const oracle = await run(model, 'reference', 1);
  expect(threaded.used).toBe(2);
  expect(maxDifference(threaded.logits, oracle.logits)).toBeLessThan(1e-4);
  expect(threaded.tokens).toEqual(oracle.tokens);
});
