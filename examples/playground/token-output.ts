/**
 * The output area: the prompt (dimmed) followed by one span per generated token, so a token can be picked with the
 * mouse for the probability view (the position slider does the same from the keyboard). Text is inserted as text.
 */
import { element } from '../shared/dom.js';

export class TokenOutput {
  private spans: HTMLSpanElement[] = [];
  private chosen: HTMLSpanElement | undefined;

  constructor(
    private readonly container: HTMLElement,
    onPick: (position: number) => void,
  ) {
    container.addEventListener('click', (event) => {
      const target = event.target;
      if (target instanceof HTMLSpanElement && target.dataset.position !== undefined) {
        onPick(Number(target.dataset.position));
      }
    });
  }

  get length(): number {
    return this.spans.length;
  }

  reset(prompt: string): void {
    this.spans = [];
    this.chosen = undefined;
    this.container.replaceChildren(element('span', { class: 'prompt-text' }, prompt));
  }

  append(text: string): void {
    const span = element('span', { class: 'token', 'data-position': String(this.spans.length) }, text);
    this.spans.push(span);
    this.container.append(span);
    this.container.scrollTop = this.container.scrollHeight;
  }

  highlight(position: number): void {
    this.chosen?.classList.remove('chosen');
    this.chosen = this.spans[position];
    this.chosen?.classList.add('chosen');
  }
}
