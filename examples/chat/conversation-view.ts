/**
 * Drawing the chat: the list of conversations (open / delete buttons with names that say which conversation) and
 * the messages of the open one. Every piece of text — the user's and the model's — goes in as text, never HTML.
 */
import { element } from '../shared/dom.js';
import type { Conversation, StoredMessage } from './conversation-store.js';

export interface ListActions {
  open(id: string): void;
  remove(id: string): void;
}

export function renderConversationList(
  list: HTMLUListElement,
  conversations: readonly Conversation[],
  currentId: string,
  actions: ListActions,
): void {
  list.replaceChildren(
    ...conversations.map((conversation) => {
      const open = element('button', { type: 'button', class: 'open' }, conversation.title);
      if (conversation.id === currentId) open.setAttribute('aria-current', 'true');
      open.addEventListener('click', () => actions.open(conversation.id));
      const remove = element(
        'button',
        { type: 'button', class: 'delete', 'aria-label': `Delete “${conversation.title}”` },
        '×',
      );
      remove.addEventListener('click', () => actions.remove(conversation.id));
      return element('li', {}, open, remove);
    }),
  );
}

/** One message as an article: who speaks (for screen readers), the text, and an optional note. */
export class MessageView {
  readonly element: HTMLElement;
  private readonly content: HTMLParagraphElement;
  private readonly note: HTMLParagraphElement;

  constructor(message: StoredMessage) {
    const speaker = message.role === 'user' ? 'You' : 'Assistant';
    this.content = element('p', { class: 'content' }, message.content);
    this.note = element('p', { class: 'note muted' }, message.note ?? '');
    this.note.hidden = message.note === undefined;
    this.element = element(
      'article',
      { class: `message ${message.role}` },
      element('h3', { class: 'visually-hidden' }, speaker),
      this.content,
      this.note,
    );
  }

  setText(text: string): void {
    this.content.textContent = text;
  }

  setNote(note: string, isError = false): void {
    this.note.textContent = note;
    this.note.hidden = false;
    this.note.classList.toggle('error', isError);
  }

  /** While busy, assistive technology waits for the whole reply instead of reading every token. */
  setBusy(busy: boolean): void {
    this.element.setAttribute('aria-busy', String(busy));
  }
}

export function renderMessages(container: HTMLElement, messages: readonly StoredMessage[]): void {
  if (messages.length === 0) {
    container.replaceChildren(element('p', { class: 'empty-state' }, 'Say something to start the conversation.'));
    return;
  }
  container.replaceChildren(...messages.map((message) => new MessageView(message).element));
  container.scrollTop = container.scrollHeight;
}
