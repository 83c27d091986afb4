/**
 * The chat's own IndexedDB database ('rwkv-chat'; the model store keeps its own): every conversation with its
 * messages, and beside it the RNN state that has read them, so a reload resumes a conversation without reading it
 * again. A reply and its state are written in one transaction: the state on disk always matches the messages it
 * claims to cover.
 *
 * Keys: ['conversation', id] → Conversation; ['state', id] → SavedState.
 */
import { createStore, del, delMany, get, promisifyRequest, set, setMany } from 'idb-keyval';
import type { UseStore } from 'idb-keyval';
import type { ChatMessage, State } from '../../src/index.js';

export interface StoredMessage extends ChatMessage {
  /** A line about how the reply was made (tokens, speed, whether the saved state was used). */
  note?: string;
}

export interface Conversation {
  id: string;
  title: string;
  messages: StoredMessage[];
  updatedAt: number;
}

export interface SavedState {
  /** Which model the state belongs to (its URL, or its file's name and size). */
  model: string;
  state: State;
  /** The state has read messages[0 .. covered). */
  covered: number;
  /** The end of the text the state has read, to join the next turn onto. */
  tail: string;
}

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

  /** Saves the conversation and the state that has read it, atomically. */
  saveWithState(conversation: Conversation, state: SavedState): Promise<void> {
    return setMany(
      [
        [['conversation', conversation.id], conversation],
        [['state', conversation.id], state],
      ],
      this.store,
    );
  }

  loadState(id: string): Promise<SavedState | undefined> {
    return get<SavedState>(['state', id], this.store);
  }

  forgetState(id: string): Promise<void> {
    return del(['state', id], this.store);
  }

  delete(id: string): Promise<void> {
    return delMany(
      [
        ['conversation', id],
        ['state', id],
      ],
      this.store,
    );
  }
}
