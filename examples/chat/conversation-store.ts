/**
 * The chat's own IndexedDB database ('rwkv-chat'): every conversation with its messages and a reference to the
 * engine checkpoint (`session.save(key)`, the library's saved sessions) whose state has read them. The reference
 * names a checkpoint key used once: a reply saves a new checkpoint first, then the conversation pointing to it, then
 * deletes the old checkpoint — so whatever moment the page dies, the conversation points to a checkpoint that
 * matches its messages.
 *
 * Keys: ['conversation', id] → Conversation.
 */
import { createStore, del, promisifyRequest, set } from 'idb-keyval';
import type { UseStore } from 'idb-keyval';
import type { ChatMessage } from '../../src/index.js';

export interface StoredMessage extends ChatMessage {
  /** A line about how the reply was made (tokens, speed, whether the saved state was used). */
  note?: string;
}

/** The checkpoint that continues a conversation. */
export interface ConversationCheckpoint {
  /** Its key in the engine's saved sessions. */
  key: string;
  /** Its state has read messages[0 .. covered). */
  covered: number;
  /** The end of the text its state has read, to join the next turn onto. */
  tail: string;
}

export interface Conversation {
  id: string;
  title: string;
  messages: StoredMessage[];
  updatedAt: number;
  checkpoint?: ConversationCheckpoint;
  /** The engine's initial state (a state-tuning file's name) the conversation started from; fresh when absent. */
  initialState?: string;
}

/** Checkpoint keys of the chat start with this. */
export const CHECKPOINT_PREFIX = 'chat:';

export class ConversationStore {
  private readonly store: UseStore;

  constructor(database = 'rwkv-chat') {
    this.store = createStore(database, 'conversations');
  }

  /** Every conversation, most recently updated first. */
  async list(): Promise<Conversation[]> {
    const range = IDBKeyRange.bound(['conversation'], ['conversation', []]);
    const all = await this.store('readonly', (store) =>
      promisifyRequest(store.getAll(range) as IDBRequest<Conversation[]>),
    );
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  save(conversation: Conversation): Promise<void> {
    return set(['conversation', conversation.id], conversation, this.store);
  }

  delete(id: string): Promise<void> {
    return del(['conversation', id], this.store);
  }
}
