/**
 * The RWKV chat format, as RWKV World models were trained:
 *
 *   System: <system text>\n\nUser: <question>\n\nAssistant: <answer>\n\nUser: <question>\n\nAssistant:
 *
 * Messages are rendered in order (put the system message first), each as `Role: content` followed by a blank
 * line; the prompt ends with `Assistant:` and the model writes the answer after it. A blank line inside a message
 * would read as the end of the turn, so each message is trimmed and runs of newlines inside it become one "\n".
 * Generation stops at CHAT_STOP, the start of the next user turn.
 *
 * With tools (tool-format.ts), a `Tools:` turn listing them follows the leading system messages; an assistant
 * message's tool calls are rendered as `Call: {...}` lines after its content, and a `role: 'tool'` message (a
 * call's result) as a `Tool:` turn.
 */
import { formatToolCall, formatToolList } from './tool-format.js';
import type { ToolCall, ToolDefinition } from './tool-format.js';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** An assistant turn that called tools (content may be null). */
export interface ToolCallMessage {
  role: 'assistant';
  content: string | null;
  tool_calls: ToolCall[];
}

/** The result of a tool call, to continue the conversation with. */
export interface ToolResultMessage {
  role: 'tool';
  content: string;
  tool_call_id: string;
}

/** Every message a chat completion accepts. */
export type ConversationMessage = ChatMessage | ToolCallMessage | ToolResultMessage;

export const CHAT_STOP = '\n\nUser:';

const ROLE_LABELS = { system: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool' } as const;

/** The prompt for `messages`, with a `Tools:` turn when `tools` are given (and not empty). */
export function formatChatPrompt(
  messages: readonly ConversationMessage[],
  tools: readonly ToolDefinition[] = [],
): string {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new TypeError('messages must be a non-empty array of { role, content }.');
  }
  const turns = messages.map((message: ConversationMessage, i: number) => {
    const text = messageText(message, i);
    return `${ROLE_LABELS[message.role]}: ${text}\n\n`;
  });
  if (tools.length > 0) {
    const leadingSystem = messages.findIndex((message: ConversationMessage) => message.role !== 'system');
    turns.splice(leadingSystem < 0 ? turns.length : leadingSystem, 0, `Tools: ${formatToolList(tools)}\n\n`);
  }
  return `${turns.join('')}${ROLE_LABELS.assistant}:`;
}

/** The text after `Role: `, checking the message's shape (TypeError naming the bad message). */
function messageText(message: ConversationMessage, i: number): string {
  const bad = (expected: string) =>
    new TypeError(`messages[${i}] must be ${expected}, not ${JSON.stringify(message)}.`);
  switch (message?.role) {
    case 'system':
    case 'user':
      if (typeof message.content !== 'string') throw bad(`{ role: '${message.role}', content: string }`);
      return normalizeContent(message.content);
    case 'assistant': {
      const calls = 'tool_calls' in message ? message.tool_calls : undefined;
      const content = message.content ?? (calls === undefined ? undefined : '');
      if (typeof content !== 'string' || (calls !== undefined && !Array.isArray(calls))) {
        throw bad(`{ role: 'assistant', content: string } or { role: 'assistant', content?, tool_calls: [...] }`);
      }
      const lines = (calls ?? []).map((call, j) => {
        const { name, arguments: argumentsText } = call?.function ?? {};
        if (typeof name !== 'string' || typeof argumentsText !== 'string') {
          throw new TypeError(`messages[${i}].tool_calls[${j}] must have function: { name, arguments: string }.`);
        }
        return formatToolCall(name, argumentsText);
      });
      return [normalizeContent(content), ...lines].filter((line) => line.length > 0).join('\n');
    }
    case 'tool':
      if (typeof message.content !== 'string' || typeof message.tool_call_id !== 'string') {
        throw bad(`{ role: 'tool', content: string, tool_call_id: string }`);
      }
      return normalizeContent(message.content);
    default:
      throw bad(`{ role: 'system' | 'user' | 'assistant' | 'tool', content }`);
  }
}

function normalizeContent(content: string): string {
  return content
    .replace(/\r\n?/g, '\n')
    .trim()
    .replace(/\n{2,}/g, '\n');
}
