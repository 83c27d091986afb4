/**
 * What the state must read next. A conversation's state has read its first `covered` messages in the RWKV chat
 * format (formatChatPrompt) and, after a reply, whatever the model wrote — often the start of the next turn
 * ("\n\nUser:", where generation stopped). The next turn is the remaining messages plus the new one, in the same
 * format, minus the part of it that the state has already read.
 */
import { formatChatPrompt } from '../../src/index.js';
import type { ChatMessage } from '../../src/index.js';

/** Characters of read text kept to join the next turn (longer than any turn opening). */
export const TAIL_LENGTH = 32;

/** The text that brings a state that has read `covered` messages (ending in `tail`) to the model's next answer. */
export function nextTurnText(messages: readonly ChatMessage[], covered: number, tail: string): string {
  const pending = messages.slice(covered);
  if (pending.length === 0) throw new RangeError('No new message to answer.');
  const turns = formatChatPrompt(pending);
  return covered === 0 ? turns : withoutOverlap(tail, `\n\n${turns}`);
}

/** `text` minus its longest prefix that `tail` ends with. */
export function withoutOverlap(tail: string, text: string): string {
  for (let length = Math.min(tail.length, text.length); length > 0; length--) {
    if (tail.endsWith(text.slice(0, length))) return text.slice(length);
  }
  return text;
}
