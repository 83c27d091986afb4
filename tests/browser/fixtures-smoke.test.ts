import { expect, test } from 'vitest';
import { describeWithFixtures, fetchFixture, REFERENCE_CASES } from './fixtures.js';

describeWithFixtures('fixtures reach the browser', () => {
  test('every reference case is fetchable', async () => {
    for (const c of REFERENCE_CASES) {
      const logits = await fetchFixture('reference-logits', c.logitsFile);
      expect(logits.byteLength).toBe(3 * 256 * 4);
    }
  });
});
