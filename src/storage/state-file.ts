/**
 * The binary layout of a saved session (docs/state-format.md): what `session.exportStateBlob()` returns and what a
 * checkpoint stores. Little-endian throughout; every section starts at a multiple of 4 bytes.
 *
 *   0   8   magic "RWKVSTAT"
 *   8   4   u32 file format version (1)
 *   12  4   u32 state layout version (src/model/state.ts)
 *   16  32  spec hash (SHA-256)
 *   48  32  model id (SHA-256)
 *   80  4   u32 D: byte length of the model description
 *   84  4   u32 T: token count
 *   88  4   u32 L: logits count (0 before the first token, else the vocabulary size)
 *   92  4   u32 N: state float count
 *   96      D bytes of UTF-8 JSON model description, zero-padded to a multiple of 4
 *           T × u32 tokens, L × f32 logits, N × f32 state
 */
import { describeModel, GENERATIONS, MODEL_DESCRIPTION_DIMENSIONS } from '../model/spec.js';
import type { Generation, ModelDescription } from '../model/spec.js';
import { STATE_LAYOUT_VERSION } from '../model/state.js';
import type { State } from '../model/state.js';
import { bytesToHex } from './hash.js';
import { StateFormatError } from './state-errors.js';
import type { ModelIdentity } from './state-identity.js';

const STATE_FILE_MAGIC = 'RWKVSTAT';
const STATE_FILE_VERSION = 1;
export const STATE_FILE_HEADER_BYTES = 96;
const HASH_BYTES = 32;

/** A session as saved: the model it belongs to, every token it has read, its last logits and its state. */
export interface StateFile {
  identity: ModelIdentity;
  /** What the file says about its model, for messages and listings (the identity decides compatibility). */
  model: ModelDescription;
  tokens: Uint32Array;
  /** Logits after the last token; undefined for a session that has read nothing. */
  logits: Float32Array | undefined;
  state: State;
}

const padded = (bytes: number): number => Math.ceil(bytes / 4) * 4;

export function encodeStateFile(file: StateFile): Uint8Array<ArrayBuffer> {
  const { identity, model, tokens, logits, state } = file;
  const description = new TextEncoder().encode(JSON.stringify(describeModel(model)));
  const logitCount = logits?.length ?? 0;
  const bodyStart = STATE_FILE_HEADER_BYTES + padded(description.length);
  const bytes = new Uint8Array(bodyStart + 4 * (tokens.length + logitCount + state.data.length));
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(STATE_FILE_MAGIC), 0);
  view.setUint32(8, STATE_FILE_VERSION, true);
  view.setUint32(12, state.layoutVersion, true);
  bytes.set(hexToBytes(identity.specHash), 16);
  bytes.set(hexToBytes(identity.modelId), 48);
  view.setUint32(80, description.length, true);
  view.setUint32(84, tokens.length, true);
  view.setUint32(88, logitCount, true);
  view.setUint32(92, state.data.length, true);
  bytes.set(description, STATE_FILE_HEADER_BYTES);
  let offset = bodyStart;
  for (const token of tokens) {
    view.setUint32(offset, token, true);
    offset += 4;
  }
  for (const values of [logits ?? new Float32Array(0), state.data]) {
    for (const value of values) {
      view.setFloat32(offset, value, true);
      offset += 4;
    }
  }
  return bytes;
}

/** Reads a state file; StateFormatError when the bytes are not one this version can read, whole and consistent. */
export function decodeStateFile(bytes: Uint8Array): StateFile {
  if (bytes.length < STATE_FILE_HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== STATE_FILE_MAGIC) {
    throw new StateFormatError('Not an rwkv-webgpu state file (it does not start with "RWKVSTAT").');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== STATE_FILE_VERSION) {
    throw new StateFormatError(
      `State file format version ${version}; this library reads version ${STATE_FILE_VERSION}.`,
    );
  }
  const layoutVersion = view.getUint32(12, true);
  if (layoutVersion !== STATE_LAYOUT_VERSION) {
    throw new StateFormatError(
      `State layout version ${layoutVersion}; this library reads layout version ${STATE_LAYOUT_VERSION}.`,
    );
  }
  const [descriptionBytes, tokenCount, logitCount, stateCount] = [80, 84, 88, 92].map((at) => view.getUint32(at, true));
  const bodyStart = STATE_FILE_HEADER_BYTES + padded(descriptionBytes);
  const expected = bodyStart + 4 * (tokenCount + logitCount + stateCount);
  if (expected !== bytes.length) {
    throw new StateFormatError(
      `Truncated or corrupt state file: its header announces ${expected} bytes, the file has ${bytes.length}.`,
    );
  }
  const model = parseDescription(bytes.subarray(STATE_FILE_HEADER_BYTES, STATE_FILE_HEADER_BYTES + descriptionBytes));
  if (logitCount !== 0 && logitCount !== model.nVocab) {
    throw new StateFormatError(`Corrupt state file: ${logitCount} logits for a vocabulary of ${model.nVocab}.`);
  }
  const tokens = new Uint32Array(tokenCount);
  for (let i = 0; i < tokenCount; i++) tokens[i] = view.getUint32(bodyStart + 4 * i, true);
  const floatsAt = (start: number, count: number, what: string): Float32Array => {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      values[i] = view.getFloat32(start + 4 * i, true);
      // A session's state and logits are finite; a NaN or an infinity is damage, and would poison every next token.
      if (!Number.isFinite(values[i]))
        throw new StateFormatError(`Corrupt state file: ${what} value ${i} is ${values[i]}.`);
    }
    return values;
  };
  const logitsStart = bodyStart + 4 * tokenCount;
  return {
    identity: { specHash: bytesToHex(bytes.subarray(16, 48)), modelId: bytesToHex(bytes.subarray(48, 80)) },
    model,
    tokens,
    logits: logitCount === 0 ? undefined : floatsAt(logitsStart, logitCount, 'logit'),
    state: { layoutVersion, data: floatsAt(logitsStart + 4 * logitCount, stateCount, 'state') },
  };
}

function parseDescription(bytes: Uint8Array): ModelDescription {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new StateFormatError('Corrupt state file: its model description is not UTF-8 JSON.', { cause });
  }
  const candidate = (parsed ?? {}) as Record<string, unknown>;
  const valid =
    typeof candidate.name === 'string' &&
    GENERATIONS.includes(candidate.generation as Generation) &&
    MODEL_DESCRIPTION_DIMENSIONS.every(
      (field) => Number.isSafeInteger(candidate[field]) && (candidate[field] as number) >= 0,
    );
  if (!valid) throw new StateFormatError('Corrupt state file: its model description lacks the model shape.');
  return describeModel(candidate as unknown as ModelDescription);
}

function hexToBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError(`Expected a hex SHA-256, not ${JSON.stringify(hex)}.`);
  return Uint8Array.from({ length: HASH_BYTES }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}
