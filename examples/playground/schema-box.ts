/**
 * The "JSON schema" box: empty means free text; otherwise its JSON Schema constrains the output
 * (`responseFormat: { type: 'json_schema', schema }`) and, when the generation ends with the schema complete, the
 * output is shown parsed and re-indented below it (as text).
 */
import type { ResponseFormat } from '../../src/index.js';

/** The box's responseFormat; throws SyntaxError saying so when the box holds no JSON object. */
export function readResponseFormat(box: HTMLTextAreaElement): ResponseFormat | undefined {
  const text = box.value.trim();
  if (text === '') return undefined;
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`The JSON schema box does not hold JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new SyntaxError('The JSON schema box must hold a JSON object (a JSON Schema).');
  }
  return { type: 'json_schema', schema };
}

/** Shows the constrained output parsed (or why it is not complete JSON: the token limit came first). */
export function showConstrainedOutput(target: HTMLElement, output: string): void {
  try {
    target.textContent = JSON.stringify(JSON.parse(output), null, 2);
  } catch {
    target.textContent = 'The output stopped at the token limit before the JSON was complete.';
  }
  target.hidden = false;
}
