/**
 * The "initial state" picker of the example pages: loads state-tuning files (RWKV-PEFT's time_state, `.pth` or
 * safetensors) into the engine with `engine.loadState(file, { name })`, the file's name as the state's name, and
 * lets the user choose which one new sessions start from — or a fresh state. The choice is reported to `onChange`;
 * the engine's own list (`engine.info.initialStates`) fills the options, so a new engine starts with none.
 */
import type { Engine } from '../../src/index.js';
import { element, errorMessage } from './dom.js';

const FRESH = '';

export class InitialStatePicker {
  readonly element: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly fileInput: HTMLInputElement;
  private readonly status: HTMLElement;
  private engine: Engine | undefined;

  constructor(
    idPrefix: string,
    private readonly onChange: (name: string | undefined) => void,
  ) {
    this.select = element('select', { id: `${idPrefix}-initial-state` });
    this.fileInput = element('input', { id: `${idPrefix}-state-file`, type: 'file', accept: '.pth,.safetensors' });
    this.status = element('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    this.element = element(
      'div',
      { class: 'stack' },
      element('div', { class: 'field' }, element('label', { for: this.select.id }, 'Initial state'), this.select),
      element(
        'div',
        { class: 'field' },
        element('label', { for: this.fileInput.id }, 'Load a state-tuning file (.pth, .safetensors)'),
        this.fileInput,
      ),
      this.status,
    );
    this.select.addEventListener('change', () => this.onChange(this.selected));
    this.fileInput.addEventListener('change', () => void this.loadFile());
    this.setEngine(undefined);
  }

  /** The chosen initial state's name; undefined for a fresh state. */
  get selected(): string | undefined {
    return this.select.value === FRESH ? undefined : this.select.value;
  }

  /** Shows `engine`'s initial states (none for a new engine) and enables loading files into it. */
  setEngine(engine: Engine | undefined): void {
    this.engine = engine;
    this.fill(FRESH);
    this.select.disabled = engine === undefined;
    this.fileInput.disabled = engine === undefined;
    this.status.textContent = '';
  }

  private fill(chosen: string): void {
    const names = this.engine?.info.initialStates ?? [];
    this.select.replaceChildren(new Option('Fresh state', FRESH), ...names.map((name) => new Option(name, name)));
    this.select.value = chosen;
  }

  private async loadFile(): Promise<void> {
    const file = this.fileInput.files?.[0];
    const engine = this.engine;
    if (file === undefined || engine === undefined) return;
    try {
      await engine.loadState(file, { name: file.name });
      this.fill(file.name);
      this.status.textContent = `Loaded ${file.name}: new sessions start from it.`;
      this.onChange(file.name);
    } catch (error) {
      this.status.textContent = `Could not load ${file.name}: ${errorMessage(error)}`;
    } finally {
      this.fileInput.value = '';
    }
  }
}
