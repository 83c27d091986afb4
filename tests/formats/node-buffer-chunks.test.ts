/**
 * Node file streams yield Buffers, whose `slice` does not copy: a model streamed in Buffer chunks at unaligned
 * offsets must give the same tensors as the same bytes in one Uint8Array.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { loadCanonicalModel } from '../../src/formats/load.js';
import { describeWithFixtures, fixturePath } from '../fixtures.js';

async function* bufferChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const pool = Buffer.alloc(bytes.length + 3);
  pool.set(bytes, 1);
  for (let start = 0; start < bytes.length; start += size) {
    yield pool.subarray(1 + start, 1 + Math.min(start + size, bytes.length));
  }
}

describeWithFixtures('Buffer chunks', () => {
  test.each(['FP32', 'FP16'])('%s: tensors equal those of one Uint8Array', async (format) => {
    const bytes = new Uint8Array(readFileSync(fixturePath('rwkv-cpp', `tiny-rwkv-7v0-834K-${format}.bin`)));
    const whole = await loadCanonicalModel(Uint8Array.from(bytes));
    const streamed = await loadCanonicalModel(bufferChunks(bytes, 4099));
    for (const [name, tensor] of whole.tensors) expect(streamed.tensors.get(name)!.data).toEqual(tensor.data);
  });
});
