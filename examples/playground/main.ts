/**
 * The playground page: loads the model of `?model=` or, when none is named, the embedded one, and wires the model
 * picker, the sampling form, the JSON schema box, Generate / Stop, the live speed figures and chart, the
 * per-position probabilities, perplexity, and the state inspector (heat map, export, import, and the initial state
 * generations start from: a state-tuning file's, or fresh).
 */
import type { Engine, EngineInfo, GenerationStats, ResponseFormat, Session, State } from '../../src/index.js';
import { byId, errorMessage } from '../shared/dom.js';
import { describeEngine, loadEngine } from '../shared/engine-loader.js';
import { InitialStatePicker } from '../shared/initial-state-picker.js';
import { LoadProgress } from '../shared/load-progress.js';
import { fileName, ModelPicker, startingChoice } from '../shared/model-picker.js';
import type { ModelChoice } from '../shared/model-picker.js';
import { addressWithModel, pageOptions } from '../shared/page-options.js';
import { formatTokensPerSecond } from '../shared/units.js';
import { GenerationRun } from './generation-run.js';
import { readSampling } from './sampling-controls.js';
import { readResponseFormat, showConstrainedOutput } from './schema-box.js';
import { SpeedChart } from './speed-chart.js';
import { drawGrid, stateGrid } from './state-heatmap.js';
import { TokenOutput } from './token-output.js';
import { renderTopTokens, topProbabilities, visibleToken } from './top-tokens.js';

const modelStatus = byId('model-status', HTMLElement);
const promptBox = byId('prompt', HTMLTextAreaElement);
const schemaBox = byId('json-schema', HTMLTextAreaElement);
const jsonOutput = byId('json-output', HTMLElement);
const generateButton = byId('generate', HTMLButtonElement);
const stopButton = byId('stop', HTMLButtonElement);
const runStatus = byId('run-status', HTMLElement);
const samplingForm = byId('sampling', HTMLFormElement);
const prefillRate = byId('prefill-rate', HTMLElement);
const decodeRate = byId('decode-rate', HTMLElement);
const firstToken = byId('first-token', HTMLElement);
const tokenCount = byId('token-count', HTMLElement);
const positionInput = byId('position', HTMLInputElement);
const positionSummary = byId('position-summary', HTMLElement);
const topTokensList = byId('top-tokens', HTMLOListElement);
const perplexityText = byId('perplexity-text', HTMLTextAreaElement);
const measureButton = byId('measure', HTMLButtonElement);
const perplexityOutput = byId('perplexity', HTMLOutputElement);
const layerSelect = byId('layer', HTMLSelectElement);
const headSelect = byId('head', HTMLSelectElement);
const followBox = byId('follow', HTMLInputElement);
const heatmap = byId('heatmap', HTMLCanvasElement);
const heatmapScale = byId('heatmap-scale', HTMLElement);
const exportButton = byId('export-state', HTMLButtonElement);
const importInput = byId('import-state', HTMLInputElement);
const startStateStatus = byId('start-state', HTMLElement);

const options = pageOptions();
const progress = new LoadProgress();
const picker = new ModelPicker((choice) => void load(choice), options.backend);
byId('model-picker', HTMLElement).append(picker.element, progress.element);
const initialStates = new InitialStatePicker('playground', (name) => void startFromInitialState(name));
byId('initial-state-picker', HTMLElement).append(initialStates.element);
const chart = new SpeedChart(byId('speed-chart', HTMLCanvasElement));
const output = new TokenOutput(byId('output', HTMLElement), (position) => {
  positionInput.value = String(position);
  void showPosition(position);
});

let engine: Engine | undefined;
let run: GenerationRun | undefined;
let running: AbortController | undefined;
let shownState: State | undefined;
/** A session imported from a state file or made from an initial state: the next generations start from (a fork of) it. */
let startFrom: Session | undefined;

function setIdle(idle: boolean): void {
  const ready = idle && engine !== undefined;
  generateButton.disabled = !ready;
  measureButton.disabled = !ready;
  importInput.disabled = !ready;
  exportButton.disabled = !ready || run === undefined;
  stopButton.disabled = idle;
  picker.setBusy(!idle);
}

async function load(choice: ModelChoice): Promise<void> {
  running?.abort();
  setIdle(false);
  stopButton.disabled = true;
  await run?.dispose();
  run = undefined;
  await startFrom?.dispose();
  startFrom = undefined;
  startStateStatus.textContent = '';
  initialStates.setEngine(undefined);
  await engine?.dispose();
  engine = undefined;
  modelStatus.textContent = `Loading ${choice.label}…`;
  try {
    engine = await loadEngine(choice, progress);
    modelStatus.textContent = describeEngine(engine.info);
    history.replaceState(null, '', addressWithModel(choice.model, choice.backend));
    fillStateSelectors(engine.info);
    initialStates.setEngine(engine);
  } catch {
    modelStatus.textContent = 'No model loaded';
  }
  setIdle(true);
}

function fillStateSelectors(info: EngineInfo): void {
  layerSelect.replaceChildren(...range(info.nLayer).map((i) => new Option(`Layer ${i}`, String(i))));
  const heads = info.generation === '4' ? 1 : info.nHead;
  headSelect.replaceChildren(...range(heads).map((i) => new Option(`Head ${i}`, String(i))));
  layerSelect.disabled = false;
  headSelect.disabled = info.generation === '4';
}

async function generate(): Promise<void> {
  if (engine === undefined) return;
  const prompt = promptBox.value;
  if (prompt === '') {
    runStatus.textContent = 'Write a prompt first.';
    promptBox.focus();
    return;
  }
  let responseFormat: ResponseFormat | undefined;
  try {
    responseFormat = readResponseFormat(schemaBox);
  } catch (error) {
    runStatus.textContent = errorMessage(error);
    schemaBox.focus();
    return;
  }
  const controller = new AbortController();
  running = controller;
  setIdle(false);
  await run?.dispose();
  run = undefined;
  output.reset(prompt);
  jsonOutput.hidden = true;
  chart.reset();
  positionInput.disabled = true;
  topTokensList.replaceChildren();
  positionSummary.textContent = '';
  for (const figure of [prefillRate, decodeRate]) figure.textContent = formatTokensPerSecond(0);
  firstToken.textContent = '—';
  tokenCount.textContent = '—';
  runStatus.textContent = 'Reading the prompt…';
  let promptTokens = 0;
  let generated = 0;
  let firstAt = 0;
  let text = '';
  try {
    const started = await GenerationRun.run(
      engine,
      prompt,
      { ...readSampling(samplingForm), responseFormat, signal: controller.signal },
      {
        onPrefilled(tokens, milliseconds) {
          promptTokens = tokens;
          prefillRate.textContent = formatTokensPerSecond((tokens * 1000) / milliseconds);
          runStatus.textContent = 'Generating…';
        },
        onToken(piece, at) {
          output.append(piece);
          text += piece;
          generated++;
          if (generated === 1) firstAt = at;
          else decodeRate.textContent = formatTokensPerSecond(((generated - 1) * 1000) / (at - firstAt));
          tokenCount.textContent = `${promptTokens} + ${generated}`;
          chart.add(1, at);
        },
        onState(state) {
          showState(state);
        },
      },
      { startFrom, follow: followBox.checked },
    );
    run = started.run;
    const stats = await started.done;
    showStats(stats);
    if (responseFormat !== undefined) showConstrainedOutput(jsonOutput, text);
    const reason = stats.finishReason === 'length' ? 'length limit' : responseFormat ? 'schema complete' : 'stop';
    runStatus.textContent = `Done: ${stats.generatedTokens} tokens (${reason}).`;
  } catch (error) {
    runStatus.textContent = controller.signal.aborted
      ? `Stopped after ${generated} tokens.`
      : `Error: ${errorMessage(error)}`;
  } finally {
    chart.finish();
    running = undefined;
    setIdle(true);
  }
  if (run !== undefined && run.tokens.length > 0) {
    positionInput.max = String(run.tokens.length - 1);
    positionInput.disabled = false;
    positionInput.value = '0';
    await showPosition(0);
    if (followBox.checked) showState(await run.finalState());
  }
}

function showStats(stats: GenerationStats): void {
  prefillRate.textContent = formatTokensPerSecond(stats.prefillTokensPerSecond);
  decodeRate.textContent = formatTokensPerSecond(stats.decodeTokensPerSecond);
  firstToken.textContent = `${Math.round(stats.timeToFirstTokenMs)} ms`;
  tokenCount.textContent = `${stats.promptTokens} + ${stats.generatedTokens}`;
}

async function showPosition(position: number): Promise<void> {
  if (engine === undefined || run === undefined || position >= run.tokens.length) return;
  output.highlight(position);
  const token = run.tokens[position];
  const { top, sampled } = topProbabilities(await run.logitsAt(position), 5, token);
  const byteLevel = engine.info.tokenizer === 'bytes';
  const label = async (id: number) => visibleToken(await engine!.tokenizer.decode([id]), id, byteLevel);
  renderTopTokens(
    topTokensList,
    await Promise.all(
      top.map(async (entry) => ({
        label: await label(entry.token),
        probability: entry.probability,
        sampled: entry.token === token,
      })),
    ),
  );
  positionSummary.textContent =
    `Position ${position}: sampled “${await label(token)}”, probability ${(100 * sampled.probability).toFixed(1)} %, ` +
    `rank ${sampled.rank}.`;
}

async function measurePerplexity(): Promise<void> {
  if (engine === undefined) return;
  setIdle(false);
  perplexityOutput.textContent = 'Measuring…';
  try {
    const result = await engine.evaluate(perplexityText.value);
    perplexityOutput.textContent =
      `Perplexity ${result.perplexity.toFixed(2)} (mean ${result.nll.toFixed(3)} nats per token over ` +
      `${result.tokens} tokens)`;
  } catch (error) {
    perplexityOutput.textContent = `Error: ${errorMessage(error)}`;
  } finally {
    setIdle(true);
  }
}

function showState(state: State): void {
  if (engine === undefined) return;
  shownState = state;
  const grid = stateGrid(state, engine.info, Number(layerSelect.value), Number(headSelect.value));
  drawGrid(heatmap, grid);
  const largest = Math.max(...grid.scales);
  heatmap.setAttribute(
    'aria-label',
    `WKV state heat map, ${grid.description}; largest magnitude ${largest.toPrecision(3)}`,
  );
  heatmapScale.textContent = `${grid.description}. Red positive, blue negative; full colour at |x| = ${largest.toPrecision(3)}.`;
}

async function exportState(): Promise<void> {
  if (engine === undefined || run === undefined) return;
  const blob = await run.stateFile();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${fileName(engine.info.name).replace(/\.[^.]*$/, '')}.rwkvstate`;
  link.click();
  URL.revokeObjectURL(link.href);
}

async function importState(): Promise<void> {
  const file = importInput.files?.[0];
  if (engine === undefined || file === undefined) return;
  try {
    const imported = await engine.importState(file);
    await startFrom?.dispose();
    startFrom = imported;
    showState(await imported.exportState());
    startStateStatus.textContent = `The next generation starts from the state in ${file.name}.`;
  } catch (error) {
    const kept = startFrom === undefined ? '' : ' The previously imported state stays.';
    startStateStatus.textContent = `Could not import ${file.name}: ${errorMessage(error)}${kept}`;
  } finally {
    importInput.value = '';
  }
}

async function startFromInitialState(name: string | undefined): Promise<void> {
  if (engine === undefined) return;
  await startFrom?.dispose();
  startFrom = undefined;
  try {
    if (name !== undefined) {
      startFrom = await engine.createSession({ state: name });
      showState(await startFrom.exportState());
    }
    startStateStatus.textContent =
      name === undefined
        ? 'The next generation starts from a fresh state.'
        : `The next generation starts from the initial state ${name}.`;
  } catch (error) {
    startStateStatus.textContent = `Could not start from ${name}: ${errorMessage(error)}`;
  }
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

generateButton.addEventListener('click', () => void generate());
stopButton.addEventListener('click', () => running?.abort());
promptBox.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !generateButton.disabled) void generate();
});
measureButton.addEventListener('click', () => void measurePerplexity());
positionInput.addEventListener('input', () => void showPosition(Number(positionInput.value)));
followBox.addEventListener('change', () => run?.setFollow(followBox.checked));
for (const select of [layerSelect, headSelect]) {
  select.addEventListener('change', () => shownState !== undefined && showState(shownState));
}
exportButton.addEventListener('click', () => void exportState());
importInput.addEventListener('change', () => void importState());

await picker.refresh();
const starting = startingChoice(options);
picker.select(new URL(starting.model, location.href).href);
void load(starting);
