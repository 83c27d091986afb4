/**
 * The RWKV chat format, as RWKV World models were trained:
 *
 *   System: <system text>\n\nUser: <question>\n\nAssistant: <answer>\n\nUser: <question>\n\nAssistant:
 *
 * Messages are rendered in order (put the system message first), each as `Role: content` followed by a blank
 * line; the prompt ends with `Assistant:` and the model writes the answer after it. A blank line inside a message
 * would read as the end of the turn, so each message is trimmed and runs of newlines inside it become one "\n".
 * Generation stops at CHAT_STOP, the start of the next user turn.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export const CHAT_STOP = '\n\nUser:';

const ROLE_LABELS: Record<ChatRole, string> = { system: 'System', user: 'User', assistant: 'Assistant' };

export function formatChatPrompt(messages: readonly ChatMessage[]): string {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new TypeError('messages must be a non-empty array of { role, content }.');
  }
  const turns = messages.map((message, i) => {
    const role = message?.role as ChatRole;
    if (!Object.hasOwn(ROLE_LABELS, role) || typeof message.content !== 'string') {
      throw new TypeError(
        `messages[${i}] must be { role: 'system' | 'user' | 'assistant', content: string }, not ` +
          `${JSON.stringify(message)}.`,
      );
    }
    return `${ROLE_LABELS[role]}: ${normalizeContent(message.content)}\n\n`;
  });
  return `${turns.join('')}${ROLE_LABELS.assistant}:`;
}

function normalizeContent(content: string): string {
  return content
    .replace(/\r\n?/g, '\n')
    .trim()
    .replace(/\n{2,}/g, '\n');
}
