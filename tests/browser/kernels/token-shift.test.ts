/** shaders/token-shift.wgsl against the CPU oracle's tokenShift, for sessions whose states sit anywhere in a pool. */
import { describe, expect, it } from 'vitest';
import { tokenParams, tokenShiftKernel } from '../../../src/gpu/kernels/token-shift.js';
import { tokenShift } from '../../../src/cpu/ops.js';
import { inout, output, randomArray, runKernel, uniform } from '../gpu-harness.js';

describe('token-shift kernel', () => {
  for (const [tokens, batch] of [
    [4, 3],
    [1, 2],
  ]) {
    it(`shifts ${batch} sequences of ${tokens} tokens and saves their last rows (C = 37)`, async () => {
      const channels = 37;
      const offsets = [200, 0, 100].slice(0, batch);
      const x = randomArray(batch * tokens * channels, 51 + tokens);
      const pool = randomArray(300, 52 + tokens);
      const params = uniform(tokenParams(tokens, offsets));
      const shape = { channels, tokens, batch };

      const [poolAfterShift, shifted] = await runKernel(tokenShiftKernel(shape, 'shift'), [
        params,
        x,
        inout(pool),
        output(x.length),
      ]);
      expect(poolAfterShift).toEqual(pool);
      const [saved] = await runKernel(tokenShiftKernel(shape, 'save'), [params, x, inout(pool)]);

      const expectedPool = pool.slice();
      offsets.forEach((offset, b) => {
        const rows = x.subarray(b * tokens * channels, (b + 1) * tokens * channels);
        const carry = expectedPool.subarray(offset, offset + channels);
        const expected = tokenShift(rows, carry);
        expect(shifted.subarray(b * tokens * channels, (b + 1) * tokens * channels)).toEqual(expected);
      });
      expect(saved).toEqual(expectedPool);
    });
  }
});
