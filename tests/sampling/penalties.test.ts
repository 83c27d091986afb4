import { describe, expect, it } from 'vitest';
import { RepetitionPenalty } from '../../src/sampling/penalties.js';

describe('RepetitionPenalty', () => {
  it('decays every count before adding the new token', () => {
    const penalty = new RepetitionPenalty({ presence: 0.5, frequency: 0.25, decay: 0.5 });
    penalty.record(5); // {5: 1}
    penalty.record(5); // {5: 1·0.5 + 1 = 1.5}
    penalty.record(7); // {5: 0.75, 7: 1}
    expect(penalty.count(5)).toBe(0.75);
    expect(penalty.count(7)).toBe(1);
    expect(penalty.count(6)).toBe(0);

    const logits = new Float32Array(8).fill(1);
    penalty.apply(logits);
    // 5: 1 − (0.5 + 0.75·0.25) = 0.3125; 7: 1 − (0.5 + 1·0.25) = 0.25; the rest untouched.
    expect(Array.from(logits)).toEqual([1, 1, 1, 1, 1, 0.3125, 1, 0.25]);
  });

  it('keeps the presence penalty after the count has decayed to 0', () => {
    const penalty = new RepetitionPenalty({ presence: 2, frequency: 1, decay: 0 });
    penalty.record(1);
    penalty.record(2); // {1: 0, 2: 1}
    const logits = new Float32Array(3);
    penalty.apply(logits);
    expect(Array.from(logits)).toEqual([0, -2, -3]);
  });

  it('counts without decay like OpenAI-style penalties', () => {
    const penalty = new RepetitionPenalty({ presence: 0, frequency: 0.5, decay: 1 });
    [3, 3, 3, 1].forEach((token) => penalty.record(token));
    const logits = new Float32Array(4);
    penalty.apply(logits);
    expect(Array.from(logits)).toEqual([0, -0.5, 0, -1.5]);
  });
});
