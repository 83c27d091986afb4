/**
 * A Hugging Face `config.json` beside the weights, checked against the spec the weights give: the sizes it states
 * must be theirs, and the normalisation it asks for must be the one the runtime computes (layer norms with eps 1e-5;
 * fla's g_norm uses head_dim × norm_eps, which is the runtime's 64e-5 for head_dim 64). Fields absent or null are
 * not checked; the weights alone define the model.
 */
import { ModelFormatError } from '../../errors.js';
import type { ModelSpec } from '../../model/spec.js';

/** Far above any real config.json (a few KB). */
export const MAX_CONFIG_BYTES = 1 << 20;
const RUNTIME_NORM_EPS = 1e-5;

/** config.json fields (fla, transformers, the hub's RWKV-5/6) and the spec field each must equal. */
const SIZE_FIELDS: readonly [string, keyof ModelSpec, string][] = [
  ['vocab_size', 'nVocab', 'n_vocab'],
  ['hidden_size', 'nEmbed', 'n_embed'],
  ['num_hidden_layers', 'nLayer', 'n_layer'],
  ['intermediate_size', 'nFfn', 'the channel-mix width'],
  ['head_dim', 'headSize', 'head size'],
  ['head_size', 'headSize', 'head size'],
];
const EPS_FIELDS = ['norm_eps', 'layer_norm_epsilon'];

export function checkHubConfig(text: string, spec: ModelSpec): void {
  if (text.length > MAX_CONFIG_BYTES) throw new ModelFormatError(`config.json is ${text.length} bytes`);
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(`config.json is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ModelFormatError('config.json does not hold a JSON object');
  }
  const fields = new Map(Object.entries(config));
  for (const [field, key, what] of SIZE_FIELDS) {
    const value = fields.get(field);
    if (value === undefined || value === null) continue;
    if (value !== spec[key]) {
      throw new ModelFormatError(
        `config.json says ${field} ${JSON.stringify(value)} but the weights have ${what} ${spec[key]}`,
      );
    }
  }
  for (const field of EPS_FIELDS) {
    const value = fields.get(field);
    if (value === undefined || value === null) continue;
    if (value !== RUNTIME_NORM_EPS) {
      throw new ModelFormatError(
        `config.json asks for ${field} ${JSON.stringify(value)}; the runtime normalises with eps ${RUNTIME_NORM_EPS}`,
      );
    }
  }
}
