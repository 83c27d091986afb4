/// <reference types="vite-plugin-pwa/vanillajs" />
/**
 * The chat page: registers the service worker (offline app shell), loads the model chosen by `?model=` or the
 * picker (the embedded model when none is chosen), and runs the conversations — Enter sends, replies stream in with
 * a Stop button, and every conversation is saved with a checkpoint of its RNN state so that a reload (online or not)
 * resumes it without reading it again. What the user typed is never lost: it leaves the message box only when it is
 * sent; Enter while the model loads or a reply streams queues it (sent when ready), and with no model it stays there
 * with a visible note. A state-tuning file loaded under "Initial state" gives new conversations its initial state.
 */
import { registerSW } from 'virtual:pwa-register';
import type { Engine } from '../../src/index.js';
import { byId, errorMessage } from '../shared/dom.js';
import { describeEngine, loadEngine } from '../shared/engine-loader.js';
import { InitialStatePicker } from '../shared/initial-state-picker.js';
import { LoadProgress } from '../shared/load-progress.js';
import { ModelPicker, startingChoice } from '../shared/model-picker.js';
import type { ModelChoice } from '../shared/model-picker.js';
import { addressWithModel, pageOptions } from '../shared/page-options.js';
import { formatTokensPerSecond } from '../shared/units.js';
import { ChatSessions } from './chat-sessions.js';
import type { ReplyResult } from './chat-sessions.js';
import { ConversationStore } from './conversation-store.js';
import type { Conversation } from './conversation-store.js';
import { MessageView, renderConversationList, renderMessages } from './conversation-view.js';

const NEW_TITLE = 'New conversation';
/** localStorage key of the reply length limit, a setting kept across visits. */
const MAX_TOKENS_SETTING = 'rwkv-chat:max-tokens';
const TITLE_LENGTH = 40;

const modelStatus = byId('model-status', HTMLElement);
const offlineStatus = byId('offline-status', HTMLElement);
const modelPanel = byId('model-panel', HTMLDetailsElement);
const conversationList = byId('conversation-list', HTMLUListElement);
const newButton = byId('new-conversation', HTMLButtonElement);
const title = byId('conversation-title', HTMLElement);
const messages = byId('messages', HTMLElement);
const composer = byId('composer', HTMLFormElement);
const messageBox = byId('message', HTMLTextAreaElement);
const sendButton = byId('send', HTMLButtonElement);
const stopButton = byId('stop', HTMLButtonElement);
const maxTokensInput = byId('max-tokens', HTMLInputElement);
const composerStatus = byId('composer-status', HTMLElement);

const store = new ConversationStore();
const options = pageOptions();
const progress = new LoadProgress();
const picker = new ModelPicker((choice) => void load(choice), options.backend);
byId('model-picker', HTMLElement).append(picker.element, progress.element);
/** New conversations start from the chosen initial state (read when their first message is sent). */
const initialStates = new InitialStatePicker('chat', () => undefined);
byId('initial-state-picker', HTMLElement).append(initialStates.element);

let conversations: Conversation[] = await store.list();
let current: Conversation = conversations[0] ?? newConversation();
let engine: Engine | undefined;
let chat: ChatSessions | undefined;
let replying: AbortController | undefined;
let loading = false;
/** The message box's text is to be sent as soon as the model is ready or the reply ends. */
let queued = false;

registerSW({ immediate: true });

function newConversation(): Conversation {
  return { id: crypto.randomUUID(), title: NEW_TITLE, messages: [], updatedAt: Date.now() };
}

function showConnection(): void {
  const controlled = navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined;
  offlineStatus.textContent = navigator.onLine
    ? controlled
      ? 'Works offline'
      : ''
    : 'Offline — conversations and stored models still work';
}

function showConversation(): void {
  conversations.sort((a, b) => b.updatedAt - a.updatedAt);
  title.textContent = current.title;
  renderMessages(messages, current.messages);
  renderConversationList(conversationList, conversations, current.id, {
    open: openConversation,
    remove: removeConversation,
  });
}

function openConversation(id: string): void {
  if (replying !== undefined) return;
  current = conversations.find((conversation) => conversation.id === id) ?? current;
  showConversation();
  messageBox.focus();
}

async function removeConversation(id: string): Promise<void> {
  const conversation = conversations.find((candidate) => candidate.id === id);
  if (replying !== undefined || conversation === undefined) return;
  if (!confirm(`Delete “${conversation.title}” and its saved state?`)) return;
  chat?.forget(id);
  await store.delete(id);
  if (conversation.checkpoint !== undefined) await engine?.sessions.delete(conversation.checkpoint.key);
  conversations = conversations.filter((candidate) => candidate.id !== id);
  if (current.id === id) current = conversations[0] ?? newConversation();
  showConversation();
}

function startNewConversation(): void {
  if (replying !== undefined) return;
  current = newConversation();
  showConversation();
  messageBox.focus();
}

async function load(choice: ModelChoice): Promise<void> {
  replying?.abort();
  chat?.dispose();
  chat = undefined;
  initialStates.setEngine(undefined);
  await engine?.dispose();
  engine = undefined;
  picker.setBusy(true);
  setLoading(true);
  modelStatus.textContent = `Loading ${choice.label}…`;
  try {
    engine = await loadEngine(choice, progress);
    const sessions = new ChatSessions(engine, store);
    // Orphan checkpoints only waste space: a failure to remove them must not stop the chat.
    await sessions.prune(conversations).catch((error: unknown) => console.warn('Could not prune checkpoints', error));
    chat = sessions;
    initialStates.setEngine(engine);
    modelStatus.textContent = describeEngine(engine.info);
    history.replaceState(null, '', addressWithModel(choice.model, choice.backend));
    modelPanel.open = false;
    messageBox.focus();
  } catch (error) {
    modelStatus.textContent = `Could not load ${choice.label}: ${errorMessage(error)}`;
    modelPanel.open = true;
    if (queued) {
      queued = false;
      composerStatus.textContent = 'The model did not load: pick another under Model. Your message stays here.';
    }
  } finally {
    picker.setBusy(false);
    setLoading(false);
  }
  if (queued) void send();
}

function setLoading(value: boolean): void {
  loading = value;
  updateComposer();
}

function setReplying(controller: AbortController | undefined): void {
  replying = controller;
  stopButton.hidden = controller === undefined;
  newButton.disabled = controller !== undefined;
  updateComposer();
}

/** Send reads "Queue" while a message would wait (model loading, reply streaming); the box says why. */
function updateComposer(): void {
  const waiting = loading || replying !== undefined;
  sendButton.textContent = waiting ? 'Queue' : 'Send';
  messageBox.placeholder = loading
    ? 'The model is loading — type now; Enter queues your message until it is ready'
    : 'Message — Enter sends, Shift+Enter starts a new line';
}

/** Keeps the message in the box: queued while the model loads or a reply streams, else refused with a note. */
function hold(): void {
  if (loading || replying !== undefined) {
    queued = true;
    composerStatus.textContent = loading
      ? 'Queued: sent as soon as the model is ready (empty the box to cancel).'
      : 'Queued: sent when this reply ends (empty the box to cancel).';
    return;
  }
  composerStatus.textContent = 'No model loaded: pick one under Model. Your message stays here.';
  modelPanel.open = true;
}

async function send(): Promise<void> {
  const text = messageBox.value.trim();
  if (text === '') {
    queued = false;
    composerStatus.textContent = '';
    return;
  }
  if (chat === undefined || replying !== undefined) return hold();
  queued = false;
  composerStatus.textContent = '';
  messageBox.value = '';
  if (current.messages.length === 0) current.initialState = initialStates.selected;
  current.messages.push({ role: 'user', content: text });
  if (current.title === NEW_TITLE)
    current.title = text.length > TITLE_LENGTH ? `${text.slice(0, TITLE_LENGTH)}…` : text;
  current.updatedAt = Date.now();
  if (!conversations.includes(current)) conversations.unshift(current);
  await store.save(current);
  showConversation();

  const reply = new MessageView({ role: 'assistant', content: '' });
  messages.append(reply.element);
  reply.setBusy(true);
  const controller = new AbortController();
  setReplying(controller);
  stopButton.focus();
  const conversation = current;
  try {
    const result = await chat.reply(conversation, {
      maxTokens: maxTokensInput.valueAsNumber || 300,
      signal: controller.signal,
      onText(content) {
        reply.setText(content);
        messages.scrollTop = messages.scrollHeight;
      },
    });
    const note = replyNote(result, conversation.messages.length);
    conversation.messages[conversation.messages.length - 1].note = note;
    reply.setText(result.content || '(no reply)');
    reply.setNote(note);
    await store.save(conversation);
  } catch (error) {
    reply.setNote(
      controller.signal.aborted ? 'Stopped before the reply began.' : `Error: ${errorMessage(error)}`,
      true,
    );
  } finally {
    reply.setBusy(false);
    setReplying(undefined);
    messageBox.focus();
  }
  if (queued) await send();
}

function replyNote(result: ReplyResult, messageCount: number): string {
  const read =
    result.origin === 'restored'
      ? `read ${result.promptTokens} new tokens onto the saved state`
      : result.origin === 'reread' && messageCount > 2
        ? `read the whole conversation again (${result.promptTokens} tokens): no saved state for this model`
        : `read ${result.promptTokens} tokens`;
  const speed =
    result.stats === undefined
      ? ''
      : ` · ${result.stats.generatedTokens} tokens at ${formatTokensPerSecond(result.stats.decodeTokensPerSecond)}`;
  return `${read}${speed}${result.stopped ? ' · stopped' : ''}`;
}

composer.addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});
messageBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});
messageBox.addEventListener('input', () => {
  if (queued && messageBox.value.trim() === '') {
    queued = false;
    composerStatus.textContent = '';
  }
});
stopButton.addEventListener('click', () => replying?.abort());
newButton.addEventListener('click', startNewConversation);
maxTokensInput.value = localStorage.getItem(MAX_TOKENS_SETTING) ?? maxTokensInput.value;
maxTokensInput.addEventListener('input', () => {
  if (maxTokensInput.checkValidity()) localStorage.setItem(MAX_TOKENS_SETTING, maxTokensInput.value);
});
addEventListener('online', showConnection);
addEventListener('offline', showConnection);
navigator.serviceWorker?.addEventListener('controllerchange', showConnection);

showConversation();
showConnection();
await picker.refresh();
const starting = startingChoice(options);
picker.select(new URL(starting.model, location.href).href);
void load(starting);
