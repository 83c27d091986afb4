/**
 * Runs the conversations of one loaded model: each conversation gets a live engine session, restored from its
 * checkpoint (`engine.restoreSession`) when there is one of this model — no re-reading — else a fresh one that
 * reads the whole history once — from the conversation's initial state (a state-tuning file loaded into the engine)
 * when it has one and the engine has it. A reply streams into `onText`; when it ends (or is stopped) the session is saved
 * under a new checkpoint key, the conversation is saved pointing to it, and the previous checkpoint is deleted.
 */
import { CHAT_STOP } from '../../src/index.js';
import type { Engine, GenerationStats, Session } from '../../src/index.js';
import { nextTurnText, TAIL_LENGTH } from './chat-turns.js';
import { CHECKPOINT_PREFIX } from './conversation-store.js';
import type { Conversation, ConversationStore } from './conversation-store.js';

/** ChatRWKV's chat defaults (API_DEMO_CHAT.py). */
const CHAT_SAMPLING = { temperature: 1, topP: 0.3, presencePenalty: 0.5, frequencyPenalty: 0.5, penaltyDecay: 0.996 };

interface LiveSession {
  session: Session;
  covered: number;
  tail: string;
  /**
   * Where the state that answers comes from: the conversation's checkpoint, a fresh state that reads the whole
   * conversation, or the state left by the previous reply.
   */
  origin: 'restored' | 'reread' | 'continued';
}

export interface ReplyResult {
  content: string;
  stopped: boolean;
  stats: GenerationStats | undefined;
  /** Tokens read before answering (the new turn only, when the checkpoint was used). */
  promptTokens: number;
  origin: LiveSession['origin'];
}

export class ChatSessions {
  private readonly live = new Map<string, LiveSession>();

  constructor(
    private readonly engine: Engine,
    private readonly store: ConversationStore,
  ) {}

  /**
   * Answers the conversation's last message: prefills what the state has not read, streams the answer, then
   * appends it to the conversation and saves both. Aborting `signal` keeps the partial answer.
   */
  async reply(
    conversation: Conversation,
    options: { maxTokens: number; signal: AbortSignal; onText(content: string): void },
  ): Promise<ReplyResult> {
    const live = await this.sessionFor(conversation);
    const turn = nextTurnText(conversation.messages, live.covered, live.tail);
    const tokens: number[] = [];
    let content = '';
    let stopped = false;
    try {
      await live.session.prefill(turn);
      const generation = live.session.generate({
        ...CHAT_SAMPLING,
        maxTokens: options.maxTokens,
        stop: CHAT_STOP,
        signal: options.signal,
      });
      for await (const { token, text } of generation) {
        tokens.push(token);
        content += content === '' ? text.trimStart() : text;
        options.onText(content);
      }
    } catch (error) {
      if (!(error instanceof Error && error.name === 'AbortError') || tokens.length === 0) {
        this.forget(conversation.id);
        throw error;
      }
      stopped = true;
    }
    const read = turn + (await this.engine.tokenizer.decode(tokens));
    live.tail = (live.tail + read).slice(-TAIL_LENGTH);
    const stats = stopped ? undefined : live.session.lastStats;
    const promptTokens = (await this.engine.tokenizer.encode(turn)).length;
    conversation.messages.push({ role: 'assistant', content: content.trimEnd() });
    live.covered = conversation.messages.length;
    conversation.updatedAt = Date.now();
    await this.checkpoint(conversation, live);
    const origin = live.origin;
    live.origin = 'continued';
    return { content: content.trimEnd(), stopped, stats, promptTokens, origin };
  }

  /** Frees the conversation's live session (its checkpoint stays). */
  forget(id: string): void {
    void this.live.get(id)?.session.dispose();
    this.live.delete(id);
  }

  /** Deletes the chat's checkpoints that no conversation points to (left by deleted conversations or crashes). */
  async prune(conversations: readonly Conversation[]): Promise<void> {
    const referenced = new Set(conversations.map((conversation) => conversation.checkpoint?.key));
    for (const { key } of await this.engine.sessions.list()) {
      if (key.startsWith(CHECKPOINT_PREFIX) && !referenced.has(key)) await this.engine.sessions.delete(key);
    }
  }

  dispose(): void {
    for (const id of [...this.live.keys()]) this.forget(id);
  }

  /** Saves the session under a fresh key, then the conversation pointing to it, then drops the old checkpoint. */
  private async checkpoint(conversation: Conversation, live: LiveSession): Promise<void> {
    const previous = conversation.checkpoint?.key;
    const key = `${CHECKPOINT_PREFIX}${conversation.id}:${live.covered}:${Date.now()}`;
    await live.session.save(key);
    conversation.checkpoint = { key, covered: live.covered, tail: live.tail };
    await this.store.save(conversation);
    if (previous !== undefined) await this.engine.sessions.delete(previous);
  }

  private async sessionFor(conversation: Conversation): Promise<LiveSession> {
    const existing = this.live.get(conversation.id);
    if (existing !== undefined) return existing;
    const saved = conversation.checkpoint;
    let live: LiveSession | undefined;
    if (saved !== undefined && saved.covered < conversation.messages.length) {
      try {
        const session = await this.engine.restoreSession(saved.key);
        live = { session, covered: saved.covered, tail: saved.tail, origin: 'restored' };
      } catch {
        // Another model's checkpoint (StateMismatchError) or none (CheckpointNotFoundError): read it all again.
        live = undefined;
      }
    }
    const { initialState } = conversation;
    const tuned = initialState !== undefined && this.engine.info.initialStates.includes(initialState);
    live ??= {
      session: await this.engine.createSession(tuned ? { state: initialState } : undefined),
      covered: 0,
      tail: '',
      origin: 'reread',
    };
    this.live.set(conversation.id, live);
    return live;
  }
}
