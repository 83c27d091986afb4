/**
 * The RWKV prompt format for tools (RWKV models have no tool tokens; this plain-text format is the library's own).
 * The tools are listed in one `Tools:` turn, after the leading system messages:
 *
 *   Tools: To call a tool, answer with one line: Call: {"name": <tool name>, "arguments": <its arguments>}
 *   {"name":"get_weather","description":"Current weather","parameters":{"type":"object",…}}
 *
 * (one JSON line per tool). A call is the assistant's turn `Assistant: Call: {"name": "get_weather", "arguments":
 * {"city": "Paris"}}`, and its result the turn `Tool: <result>`. When the model calls a tool, the name is generated
 * under a JSON Schema enum of the tool names and the arguments under that tool's parameter schema, so a call always
 * names a tool and its arguments always match the tool's schema.
 */

export interface ToolDefinition {
  type: 'function';
  function: {
    /** 1–64 of a-z, A-Z, 0-9, _ and -. */
    name: string;
    description?: string;
    /** A JSON Schema of the arguments (an object); absent: no arguments. */
    parameters?: object;
    /** Accepted; the arguments are always constrained to the schema. */
    strict?: boolean;
  };
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** What an answer starts with when the model calls a tool. */
export const CALL_PREFIX = 'Call:';

/** The text that precedes the generated name: `Call: {"name": `. */
export const CALL_NAME_PREFIX = `${CALL_PREFIX} {"name": `;

/** The text between the name and the generated arguments. */
export const CALL_ARGUMENTS_PREFIX = ', "arguments": ';

/** The schema of the arguments of a tool without parameters: an empty object. */
export const NO_PARAMETERS: object = { type: 'object', properties: {}, additionalProperties: false };

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a request's tools (TypeError naming the bad one) and returns them by name. */
export function toolsByName(tools: readonly ToolDefinition[]): Map<string, ToolDefinition> {
  if (!Array.isArray(tools)) throw new TypeError('tools must be an array of { type: "function", function }.');
  const byName = new Map<string, ToolDefinition>();
  tools.forEach((tool, i) => {
    const name = tool?.function?.name;
    if (tool?.type !== 'function' || typeof name !== 'string' || !TOOL_NAME.test(name)) {
      throw new TypeError(
        `tools[${i}] must be { type: 'function', function: { name, description?, parameters? } } with a name of ` +
          `1–64 letters, digits, _ or -, not ${JSON.stringify(tool)}.`,
      );
    }
    const { parameters } = tool.function;
    if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null)) {
      throw new TypeError(`tools[${i}].function.parameters must be a JSON Schema object.`);
    }
    if (byName.has(name)) throw new TypeError(`tools[${i}]: a second tool named "${name}".`);
    byName.set(name, tool);
  });
  return byName;
}

/** The `Tools:` turn's content. */
export function formatToolList(tools: readonly ToolDefinition[]): string {
  const lines = tools.map(({ function: { name, description, parameters } }) =>
    JSON.stringify({ name, description, parameters: parameters ?? NO_PARAMETERS }),
  );
  return [`To call a tool, answer with one line: ${CALL_PREFIX} {"name": <tool name>, "arguments": <its arguments>}`]
    .concat(lines)
    .join('\n');
}

/** One call as the assistant writes it; `argumentsText` must be JSON (a TypeError otherwise). */
export function formatToolCall(name: string, argumentsText: string): string {
  let argumentsValue: unknown;
  try {
    argumentsValue = JSON.parse(argumentsText);
  } catch {
    throw new TypeError(`The arguments of a call of "${name}" are not JSON: ${JSON.stringify(argumentsText)}.`);
  }
  return `${CALL_NAME_PREFIX}${JSON.stringify(name)}${CALL_ARGUMENTS_PREFIX}${JSON.stringify(argumentsValue)}}`;
}
