/**
 * The model loading indicator: a progress bar and one line of text — during the download the bytes received of the
 * total, the speed and the time left; afterwards the phase (verifying, reading, uploading to the GPU, compiling).
 * The text is a polite live region, so screen readers hear it without losing their place. A download that had to
 * start over (the file changed on the server) leaves a note saying why under the bar.
 */
import type { EngineEvent } from '../../src/index.js';
import { element } from './dom.js';
import { TransferRate } from './transfer-rate.js';
import { formatBytes, formatDuration } from './units.js';

const PHASE_LABELS: Readonly<Record<string, string>> = {
  download: 'Downloading',
  verify: 'Verifying',
  parse: 'Reading the model',
  upload: 'Uploading to the GPU',
  compile: 'Compiling kernels',
  ready: 'Ready',
};

export class LoadProgress {
  readonly element: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly text: HTMLElement;
  private readonly note: HTMLElement;
  private rate = new TransferRate();

  constructor(label = 'Model loading progress') {
    this.bar = element('progress', { 'aria-label': label, max: '1', value: '0' });
    this.text = element('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    this.note = element('p', { class: 'muted', 'aria-live': 'polite' });
    this.element = element('div', { class: 'stack load-progress', hidden: '' }, this.bar, this.text, this.note);
  }

  start(what: string): void {
    this.rate = new TransferRate();
    this.element.hidden = false;
    this.bar.hidden = false;
    this.bar.removeAttribute('value');
    this.text.classList.remove('error');
    this.text.textContent = `Loading ${what}…`;
    this.note.textContent = '';
  }

  update(event: EngineEvent, at = performance.now()): void {
    if (event.phase === 'warning' && event.code === 'download-restarted') this.note.textContent = event.message;
    if (!('loaded' in event)) return; // warnings, device loss and recovery: not loading progress
    const { phase, loaded, total } = event;
    if (total > 0) this.bar.value = Math.min(1, loaded / total);
    else this.bar.removeAttribute('value');
    const label = PHASE_LABELS[phase] ?? phase;
    if (phase !== 'download') {
      this.text.textContent = total > 0 && phase !== 'ready' ? `${label}… ${percent(loaded, total)}` : `${label}`;
      return;
    }
    const { bytesPerSecond, secondsLeft } = this.rate.update(loaded, total, at);
    const amount = total > 0 ? `${formatBytes(loaded)} of ${formatBytes(total)}` : formatBytes(loaded);
    const speed = bytesPerSecond > 0 ? ` · ${formatBytes(bytesPerSecond)}/s` : '';
    const eta = total > 0 && loaded < total ? ` · ${formatDuration(secondsLeft)} left` : '';
    this.text.textContent = `${label}: ${amount}${speed}${eta}`;
  }

  /** Shows a final line (an error or "ready") in place of the bar. */
  finish(message: string, isError = false): void {
    this.bar.hidden = true;
    this.text.textContent = message;
    this.text.classList.toggle('error', isError);
  }
}

function percent(loaded: number, total: number): string {
  return `${Math.floor((100 * loaded) / total)} %`;
}
