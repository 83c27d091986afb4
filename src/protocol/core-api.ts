/**
 * The boundary between the page-side API and the engine core: every method is async and takes and returns only
 * structured-cloneable data, so the page drives the core the same way whether it runs in a Web Worker (through a
 * comlink proxy) or in the current thread. Sessions and generations are named by numeric ids.
 */
import type { State } from '../model/state.js';
import type { EngineInfo, EvaluateResult, GenerateRequest, GenerationPull } from './types.js';

export type PrefillInput = string | number[] | Uint32Array;

/** Everything a session is: the tokens it has taken, its state, and the logits after its last token. */
export interface SessionSnapshot {
  tokens: Uint32Array;
  state: State;
  /** Undefined for a session that has taken no token. */
  logits: Float32Array | undefined;
}

export interface EngineCoreApi {
  info(): Promise<EngineInfo>;
  encode(text: string): Promise<number[]>;
  decode(ids: number[] | Uint32Array): Promise<string>;
  /** A new session: a fresh state, or a copy of `state` (from `exportState`). */
  createSession(state?: State): Promise<number>;
  /** A new session whose state (and pending logits) copy those of `session`. */
  forkSession(session: number): Promise<number>;
  /** Aborts what the session is doing and frees its state. */
  disposeSession(session: number): Promise<void>;
  prefill(session: number, input: PrefillInput): Promise<void>;
  /** Logits after the session's last token ([nVocab]). */
  logits(session: number): Promise<Float32Array>;
  exportState(session: number): Promise<State>;
  /** The session's tokens, state and logits (its unfed tokens fed first). */
  snapshotSession(session: number): Promise<SessionSnapshot>;
  /** A new session that continues exactly where the snapshot's session was, without feeding anything. */
  restoreSession(snapshot: SessionSnapshot): Promise<number>;
  /** Starts a generation (options checked at once); returns its id for `pullGeneration` / `cancelGeneration`. */
  startGeneration(session: number, request: GenerateRequest): Promise<number>;
  /** Tokens made since the last pull (waits for one); `stats` once it ended; rejects with its error. */
  pullGeneration(generation: number): Promise<GenerationPull>;
  cancelGeneration(generation: number): Promise<void>;
  evaluate(text: string): Promise<EvaluateResult>;
  /** Aborts everything and frees every state and the weights. */
  dispose(): Promise<void>;
}
