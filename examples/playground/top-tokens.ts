/**
 * Per-token probabilities: the model's distribution at one position (softmax of its logits at temperature 1, i.e.
 * before the sampling options reshape it), its five most likely tokens drawn as bars, and where the token that was
 * actually sampled ranks.
 */
import { element } from '../shared/dom.js';

export interface TokenProbability {
  token: number;
  probability: number;
}

/** The k most likely tokens of softmax(logits), most likely first, and the probability and rank of `token`. */
export function topProbabilities(
  logits: Float32Array,
  k: number,
  token: number,
): { top: TokenProbability[]; sampled: TokenProbability & { rank: number } } {
  let max = -Infinity;
  for (const logit of logits) max = Math.max(max, logit);
  let sum = 0;
  for (const logit of logits) sum += Math.exp(logit - max);
  const probability = (id: number) => Math.exp(logits[id] - max) / sum;
  const top: TokenProbability[] = [];
  for (let id = 0; id < logits.length; id++) {
    if (top.length === k && logits[id] <= logits[top[k - 1].token]) continue;
    top.push({ token: id, probability: 0 });
    top.sort((a, b) => logits[b.token] - logits[a.token]);
    if (top.length > k) top.pop();
  }
  let rank = 1;
  for (const logit of logits) if (logit > logits[token]) rank++;
  for (const entry of top) entry.probability = probability(entry.token);
  return { top, sampled: { token, probability: probability(token), rank } };
}

/** How a token's text is shown in the list: whitespace made visible, a lone byte of a UTF-8 character as hex. */
export function visibleToken(text: string, token: number, byteLevel: boolean): string {
  if (byteLevel && token >= 0x80) return `<0x${token.toString(16).toUpperCase()}>`;
  if (text === '') return `#${token}`;
  return text.replaceAll('\n', '⏎').replaceAll('\t', '⇥').replaceAll(' ', '␣');
}

export function renderTopTokens(
  list: HTMLOListElement,
  entries: readonly { label: string; probability: number; sampled: boolean }[],
): void {
  list.replaceChildren(
    ...entries.map(({ label, probability, sampled }) =>
      element(
        'li',
        { class: sampled ? 'sampled' : '' },
        element('span', { class: 'token-text', title: label }, label),
        element('span', { class: 'bar', style: `width: ${(100 * probability).toFixed(1)}%`, 'aria-hidden': 'true' }),
        element('span', {}, `${(100 * probability).toFixed(1)} %`),
      ),
    ),
  );
}
