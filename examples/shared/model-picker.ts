/**
 * The model picker of the chat and the playground: one list (the embedded model, models already stored in this
 * browser, the test fixtures when the server has them, the official RWKV-7 World releases), a URL field, a file
 * field, and the backend. Every control has a visible label; choosing calls `onChoose` with what `createEngine`
 * needs; `startingChoice` is what a page loads before anything is chosen.
 */
import type { BackendChoice } from '../../src/index.js';
import { models } from '../../src/index.js';
import { element } from './dom.js';
import { EMBEDDED_MODEL, fetchFixtureModels, OFFICIAL_MODELS, WORLD_VOCAB_URL } from './model-catalog.js';
import type { CatalogModel } from './model-catalog.js';
import type { PageOptions } from './page-options.js';
import { formatBytes } from './units.js';

export interface ModelChoice {
  /** A model URL or a file from this device. */
  model: string | File;
  /** The tokenizer vocabulary's URL (used only by models whose tokenizer needs one). */
  vocab?: string;
  label: string;
  backend: BackendChoice;
}

const BACKENDS: readonly { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Automatic (WebGPU, else CPU)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'cpu', label: 'CPU' },
];

export class ModelPicker {
  readonly element: HTMLElement;
  private readonly list: HTMLSelectElement;
  private readonly url: HTMLInputElement;
  private readonly vocab: HTMLInputElement;
  private readonly file: HTMLInputElement;
  private readonly backend: HTMLSelectElement;
  private readonly buttons: HTMLButtonElement[];
  private catalog = new Map<string, CatalogModel>();

  constructor(
    private readonly onChoose: (choice: ModelChoice) => void,
    initialBackend: BackendChoice = 'auto',
  ) {
    this.list = element('select', { id: 'model-list' });
    this.url = element('input', { id: 'model-url', type: 'url', placeholder: 'https://…/model.pth' });
    this.vocab = element('input', { id: 'model-vocab', type: 'url', value: WORLD_VOCAB_URL });
    this.file = element('input', { id: 'model-file', type: 'file', accept: '.bin,.gguf,.pth,.safetensors,.st' });
    this.backend = element('select', { id: 'model-backend' });
    for (const { value, label } of BACKENDS) this.backend.append(element('option', { value }, label));
    this.backend.value = initialBackend;
    const loadListed = element('button', { type: 'submit', class: 'primary' }, 'Load model');
    const loadUrl = element('button', { type: 'submit' }, 'Load URL');
    this.buttons = [loadListed, loadUrl];

    const listForm = element(
      'form',
      { class: 'stack' },
      field('model-list', 'Model', this.list),
      field('model-backend', 'Backend', this.backend),
      loadListed,
    );
    listForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = this.catalog.get(this.list.value);
      if (chosen !== undefined)
        this.choose({ model: chosen.url, vocab: chosen.vocab ?? this.vocabUrl(), label: chosen.label });
    });
    const urlForm = element(
      'form',
      { class: 'stack' },
      field('model-url', 'Or a model URL', this.url),
      element(
        'details',
        {},
        element('summary', {}, 'Tokenizer vocabulary'),
        field('model-vocab', 'Vocabulary URL (World and Pile models)', this.vocab),
      ),
      loadUrl,
    );
    urlForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const url = this.url.value.trim();
      if (url !== '') this.choose({ model: url, vocab: this.vocabUrl(), label: fileName(url) });
    });
    this.file.addEventListener('change', () => {
      const file = this.file.files?.[0];
      // A GGUF file carries its vocabulary: the engine uses it when no vocab is given.
      const vocab = file?.name.toLowerCase().endsWith('.gguf') ? undefined : this.vocabUrl();
      if (file !== undefined) this.choose({ model: file, vocab, label: file.name });
    });
    this.element = element(
      'div',
      { class: 'stack model-picker' },
      listForm,
      urlForm,
      field('model-file', 'Or a model file from this device', this.file),
    );
  }

  /**
   * Fills the list: the embedded model, the models stored in this browser, the fixtures (when served), then the
   * official releases.
   */
  async refresh(): Promise<void> {
    const [stored, fixtures] = await Promise.all([storedModels(), fetchFixtureModels()]);
    const listed = new Set([EMBEDDED_MODEL.url, ...fixtures.map((model) => model.url)]);
    const groups: [string, CatalogModel[]][] = [
      ['Shipped with this site', [EMBEDDED_MODEL]],
      ['Stored in this browser', stored.filter((model) => !listed.has(model.url))],
      ['Test fixtures (served by this server)', fixtures],
      ['Official RWKV-7 World (download)', [...OFFICIAL_MODELS]],
    ];
    this.catalog = new Map();
    this.list.replaceChildren();
    for (const [label, entries] of groups) {
      if (entries.length === 0) continue;
      const group = element('optgroup', { label });
      for (const model of entries) {
        this.catalog.set(model.url, model);
        group.append(element('option', { value: model.url }, `${model.label} — ${formatBytes(model.bytes)}`));
      }
      this.list.append(group);
    }
  }

  /** Selects the listed model with this URL, if listed. */
  select(url: string): void {
    if (this.catalog.has(url)) this.list.value = url;
  }

  setBusy(busy: boolean): void {
    for (const button of this.buttons) button.disabled = busy;
    this.file.disabled = busy;
  }

  private vocabUrl(): string | undefined {
    return this.vocab.value.trim() || undefined;
  }

  private choose(choice: Omit<ModelChoice, 'backend'>): void {
    this.onChoose({ ...choice, backend: this.backend.value as BackendChoice });
  }
}

/** Complete models stored from a URL (a model stored from a file needs that file again). */
async function storedModels(): Promise<CatalogModel[]> {
  try {
    const stored = await models.list();
    return stored
      .filter((model) => model.complete && model.url !== undefined)
      .map((model) => ({ label: fileName(model.url!), url: model.url!, bytes: model.bytes }));
  } catch {
    return [];
  }
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return element('div', { class: 'field' }, element('label', { for: id }, label), control);
}

/** What a page loads first: the model its address names (`?model=`), else the embedded model. */
export function startingChoice(options: PageOptions): ModelChoice & { model: string } {
  const { model, vocab, backend } = options;
  if (model === undefined) return { model: EMBEDDED_MODEL.url, label: EMBEDDED_MODEL.label, backend };
  return { model, vocab, label: fileName(model), backend };
}

export function fileName(url: string): string {
  const path = url.split(/[?#]/)[0];
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || url;
}
