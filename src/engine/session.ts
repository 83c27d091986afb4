/**
 * A session: one conversation's recurrent state in the engine core, driven from the page. Its operations run in
 * call order; sessions run concurrently (their decodes share the scheduler's batches). `generate` streams tokens
 * by pulling them from the core (comlink has no async generators) and tells the core when the caller aborts or
 * stops iterating. A session dropped without `dispose()` is disposed when it is garbage-collected. `save` and
 * `exportStateBlob` go through the engine's SavedSessions (checkpoints and state files).
 */
import type { State } from '../model/state.js';
import type { CheckpointInfo } from '../storage/checkpoint-store.js';
import { throwIfAborted, untilAborted } from './abort.js';
import type { EngineCoreApi, PrefillInput } from '../protocol/core-api.js';
import type { SavedSessions } from './saved-sessions.js';
import type { GeneratedToken, GenerateOptions, GenerateRequest, GenerationStats } from '../protocol/types.js';

/** Frees the core-side state of a session that the page dropped without disposing it. */
const forgotten = new FinalizationRegistry<{ core: EngineCoreApi; id: number }>(({ core, id }) => {
  core.disposeSession(id).catch(() => undefined);
});

export class Session {
  /** Statistics of the last generation that ran to its end (undefined while one runs, or after an abort). */
  lastStats: GenerationStats | undefined;

  /** @internal Sessions come from the engine (`createSession`, `restoreSession`, `importState`) and `fork()`. */
  constructor(
    private readonly core: EngineCoreApi,
    private readonly saved: SavedSessions,
    readonly id: number,
  ) {
    forgotten.register(this, { core, id }, this);
  }

  /** Feeds text (encoded with the engine's tokenizer) or token ids to the state. */
  prefill(input: PrefillInput): Promise<void> {
    return this.core.prefill(this.id, input);
  }

  /** The logits after the last token ([nVocab]); rejects when the session has seen no token. */
  logits(): Promise<Float32Array> {
    return this.core.logits(this.id);
  }

  /** A new session with a copy of this one's state (this one is left as it is). */
  async fork(): Promise<Session> {
    return new Session(this.core, this.saved, await this.core.forkSession(this.id));
  }

  /**
   * A copy of the bare state (src/model/state.ts layout), for in-memory use; `engine.createSession(state)` restores
   * it (without logits: prefill before asking for them).
   */
  exportState(): Promise<State> {
    return this.core.exportState(this.id);
  }

  /**
   * The whole session as a state file (docs/state-format.md): model identity, tokens, state and last logits;
   * `engine.importState(blob)` continues it exactly.
   */
  exportStateBlob(): Promise<Blob> {
    return this.saved.exportBlob(this.id);
  }

  /**
   * Saves the session as it is now under `key` (replacing an older checkpoint of that key), in one transaction:
   * `engine.restoreSession(key)` continues it exactly, also after a page reload.
   */
  save(key: string): Promise<CheckpointInfo> {
    return this.saved.save(this.id, key);
  }

  /** Aborts what the session is doing and frees its state. */
  dispose(): Promise<void> {
    forgotten.unregister(this);
    return this.core.disposeSession(this.id);
  }

  /**
   * Generates from the current state (prefill first). Yields every sampled token once, with the text it
   * completes; ends at `maxTokens`, a stop string or a stop token, or with an AbortError within one token of
   * `signal` firing. Afterwards `lastStats` holds the statistics.
   */
  generate(options: GenerateOptions = {}): AsyncIterable<GeneratedToken> {
    const { signal, ...request } = options;
    return this.stream(request, signal);
  }

  private async *stream(request: GenerateRequest, signal: AbortSignal | undefined): AsyncGenerator<GeneratedToken> {
    throwIfAborted(signal);
    this.lastStats = undefined;
    const generation = await this.core.startGeneration(this.id, request);
    const cancel = () => void this.core.cancelGeneration(generation);
    let ended = false;
    try {
      for (;;) {
        const pull = await untilAborted(this.core.pullGeneration(generation), signal, cancel);
        for (const token of pull.tokens) {
          throwIfAborted(signal);
          yield token;
        }
        if (pull.stats !== undefined) {
          ended = true;
          this.lastStats = pull.stats;
          return;
        }
      }
    } finally {
      if (!ended) cancel();
    }
  }
}
