/**
 * The page side of saved sessions. A session becomes a state file (src/storage/state-file.ts) from the core's
 * snapshot (tokens, state, last logits) and the engine's model identity; a state file becomes a session again only
 * after its identity is checked against this engine's model. Checkpoints by key and the prefix cache live in the
 * checkpoint store (src/storage/checkpoint-store.ts): IndexedDB in browsers, process memory in Node.
 */
import { QuotaError } from '../errors.js';
import { implausibleStateValue, stateSize, STATE_VALUE_LIMIT } from '../generations/state.js';
import type { CheckpointInfo, CheckpointStore } from '../storage/checkpoint-store.js';
import { models } from '../storage/index.js';
import { StateFormatError, StateMismatchError } from '../storage/state-errors.js';
import { decodeStateFile, encodeStateFile } from '../storage/state-file.js';
import type { StateFile } from '../storage/state-file.js';
import { describeModel } from '../model/spec.js';
import type { ModelDescription } from '../model/spec.js';
import type { EngineCoreApi, PrefillInput } from '../protocol/core-api.js';
import type { EngineInfo } from '../protocol/types.js';

/** A checkpoint as `engine.sessions.list()` shows it. */
export interface SavedCheckpointInfo extends CheckpointInfo {
  /**
   * Its model is gone: neither this engine's model nor any model in the model store (`models`, as loaded by an
   * engine, which records its identity) has the checkpoint's identity — the model was deleted, or never stored
   * (loaded from bytes; in Node there is no store). It restores only into an engine of that model again.
   */
  orphaned: boolean;
}

export class SavedSessions {
  private readonly model: ModelDescription;

  constructor(
    private readonly core: EngineCoreApi,
    private readonly info: EngineInfo,
    private readonly store: CheckpointStore,
  ) {
    this.model = describeModel(info);
  }

  /** Saves the session under `key` in one transaction (a previous checkpoint of that key is replaced). */
  async save(session: number, key: string): Promise<CheckpointInfo> {
    return this.store.save(key, await this.fileOf(session));
  }

  /** A new session (its id) continuing the checkpoint saved under `key`. */
  async restore(key: string): Promise<number> {
    return this.open(await this.store.load(key));
  }

  /** Every checkpoint, each marked orphaned when its model is gone (see SavedCheckpointInfo). */
  async list(): Promise<SavedCheckpointInfo[]> {
    const [checkpoints, present] = await Promise.all([this.store.list(), storedModelIds()]);
    present.add(this.info.modelId);
    return checkpoints.map((checkpoint) => ({ ...checkpoint, orphaned: !present.has(checkpoint.modelId) }));
  }

  delete(key: string): Promise<boolean> {
    return this.store.delete(key);
  }

  async exportBlob(session: number): Promise<Blob> {
    return new Blob([encodeStateFile(await this.fileOf(session))], { type: 'application/octet-stream' });
  }

  async importBytes(bytes: Uint8Array): Promise<number> {
    return this.open(decodeStateFile(bytes));
  }

  /**
   * A new session that has read `prefix`: restored from the prefix cache when this model has read exactly these
   * tokens before, else prefilled and then cached (a prefix state that does not fit in the quota is not cached).
   */
  async withPrefix(prefix: PrefillInput): Promise<number> {
    const tokens = Uint32Array.from(typeof prefix === 'string' ? await this.core.encode(prefix) : prefix);
    if (tokens.length === 0) return this.core.createSession();
    const cached = await this.store.loadPrefix(this.info.modelId, tokens);
    if (cached !== undefined) {
      try {
        return await this.open(cached);
      } catch (error) {
        if (!(error instanceof StateFormatError)) throw error; // a corrupt cache entry is a miss
      }
    }
    const session = await this.core.createSession();
    try {
      await this.core.prefill(session, tokens);
      await this.store.savePrefix(await this.fileOf(session)).catch((error: unknown) => {
        if (!(error instanceof QuotaError)) throw error;
      });
    } catch (error) {
      await this.core.disposeSession(session);
      throw error;
    }
    return session;
  }

  private async fileOf(session: number): Promise<StateFile> {
    const { tokens, state, logits } = await this.core.snapshotSession(session);
    const { modelId, specHash } = this.info;
    return { identity: { modelId, specHash }, model: this.model, tokens, logits, state };
  }

  private open(file: StateFile): Promise<number> {
    this.assertOwn(file);
    assertFits(file, this.info);
    const { tokens, state, logits } = file;
    return this.core.restoreSession({ tokens, state, logits });
  }

  private assertOwn(file: StateFile): void {
    const { modelId, specHash } = file.identity;
    if (modelId === this.info.modelId) return;
    const which =
      specHash === this.info.specHash ? 'another model of the same shape (other weights)' : 'a model of another shape';
    throw new StateMismatchError(
      `This state belongs to ${which}: ${describe(file.model, modelId)}; this engine runs ` +
        `${describe(this.model, this.info.modelId)}. A state restores only into the model it was saved from.`,
    );
  }
}

/** Identities of the models in the default model store, as engines recorded them (none where there is no store). */
async function storedModelIds(): Promise<Set<string>> {
  if (typeof indexedDB === 'undefined') return new Set();
  const stored = await models.list();
  return new Set(stored.flatMap((model) => (model.modelId === undefined ? [] : [model.modelId])));
}

/**
 * A file of this model whose contents do not fit it is corrupt: the identity covers the model, not the file's own
 * counts and token ids, which a damaged or hand-edited file can get wrong while staying the right length.
 */
function assertFits(file: StateFile, info: EngineInfo): void {
  const { nVocab } = info;
  const floats = stateSize(info);
  if (file.state.data.length !== floats) {
    throw new StateFormatError(
      `Corrupt state file: it holds ${file.state.data.length} state values where this model's state has ${floats}.`,
    );
  }
  const implausible = implausibleStateValue(info, file.state.data);
  if (implausible !== -1) {
    throw new StateFormatError(
      `Corrupt state file: state value ${implausible} is ${file.state.data[implausible]}, beyond ±${STATE_VALUE_LIMIT} ` +
        '(no session of a model reaches it; the next token would overflow into NaN).',
    );
  }
  const outside = file.tokens.findIndex((token) => token >= nVocab);
  if (outside !== -1) {
    throw new StateFormatError(
      `Corrupt state file: token ${file.tokens[outside]} at position ${outside} is outside the model's vocabulary ` +
        `of ${nVocab}.`,
    );
  }
  if (file.logits !== undefined && file.logits.length !== nVocab) {
    throw new StateFormatError(`Corrupt state file: ${file.logits.length} logits for a vocabulary of ${nVocab}.`);
  }
}

function describe(model: ModelDescription, modelId: string): string {
  const { name, generation, nLayer, nEmbed, nVocab } = model;
  return `${name} (RWKV v${generation}, ${nLayer} layers × ${nEmbed}, vocabulary ${nVocab}, id ${modelId.slice(0, 12)})`;
}
