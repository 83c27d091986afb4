/**
 * The sampling form → the options of `session.generate`. Empty or invalid fields fall back to the library's
 * defaults (the browser already keeps numbers within each field's min and max); an empty seed means a random one.
 */
import type { GenerateOptions } from '../../src/index.js';

const NUMERIC_FIELDS = [
  'temperature',
  'topP',
  'topK',
  'minP',
  'presencePenalty',
  'frequencyPenalty',
  'penaltyDecay',
  'maxTokens',
  'seed',
] as const;

export function readSampling(form: HTMLFormElement): GenerateOptions {
  const options: GenerateOptions = {};
  for (const name of NUMERIC_FIELDS) {
    const input = form.elements.namedItem(name);
    if (!(input instanceof HTMLInputElement) || input.value.trim() === '' || !input.checkValidity()) continue;
    const value = input.valueAsNumber;
    if (Number.isFinite(value)) options[name] = value;
  }
  return options;
}
