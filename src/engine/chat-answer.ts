/**
 * The answer of a chat completion as a sequence of events, made by generations in sessions of its own (disposed
 * when it ends): a text answer (content pieces), or a tool call (tool-format.ts) — its name, then its arguments in
 * pieces — and finally the finish reason and usage. Both the whole completion and its stream are read from these
 * events, so a stream always adds up to the completion.
 *
 * - No tools (or tool_choice 'none'): one generation, stopped at the next user turn, under response_format.
 * - A call (tool_choice 'required' or a named tool): ` Call: {"name": ` is prefilled; the name is generated under a
 *   JSON Schema enum of the tool names (prefilled when only one tool may be called); then `, "arguments": ` is
 *   prefilled and the arguments generated under the tool's parameter schema.
 * - tool_choice 'auto': the state after the prompt is forked; the model answers freely until its text either starts
 *   with "Call:" (then the call is made on the fork, as above) or cannot (then the text is the answer).
 */
import { throwIfAborted, untilAborted } from './abort.js';
import type { ChatTokenLogprob } from './chat-logprobs.js';
import type { ChatPlan } from './chat-request.js';
import { TextRun } from './chat-text-run.js';
import type { TextPiece } from './chat-text-run.js';
import { UsageMeter } from './chat-usage.js';
import type { ChatCompletionUsage } from './chat-usage.js';
import type { Session } from './session.js';
import { CALL_ARGUMENTS_PREFIX, CALL_NAME_PREFIX, CALL_PREFIX, NO_PARAMETERS } from './tool-format.js';
import type { FinishReason, GenerateOptions } from '../protocol/types.js';

export type ChatFinishReason = FinishReason | 'tool_calls';

export type AnswerEvent =
  | { kind: 'content'; text: string; logprobs: ChatTokenLogprob[] }
  | { kind: 'tool-call'; id: string; name: string }
  | { kind: 'tool-arguments'; text: string }
  | { kind: 'end'; finishReason: ChatFinishReason; usage: ChatCompletionUsage };

export interface AnswerContext {
  createSession(): Promise<Session>;
  encode(text: string): Promise<number[]>;
}

export async function* chatAnswer(context: AnswerContext, plan: ChatPlan): AsyncGenerator<AnswerEvent> {
  const { signal } = plan.sampling;
  const open = new Set<Session>();
  const close = async (session: Session) => {
    if (open.delete(session)) await session.dispose();
  };
  try {
    const meter = new UsageMeter();
    const session = await context.createSession();
    open.add(session);
    const prompt = await untilAborted(context.encode(plan.prompt), signal);
    await meter.prefill(prompt.length, untilAborted(session.prefill(prompt), signal));
    if (plan.tools.size === 0) {
      yield* textAnswer(session, plan, meter);
    } else if (plan.toolChoice === 'required') {
      yield* toolCall(session, plan, meter);
    } else {
      const spare = await session.fork();
      open.add(spare);
      yield* textOrCall(session, spare, plan, meter, close);
    }
  } finally {
    await Promise.all([...open].map(close));
  }
}

async function* textAnswer(session: Session, plan: ChatPlan, meter: UsageMeter): AsyncGenerator<AnswerEvent> {
  const run = new TextRun(session, budgeted(plan, meter, plan.text), meter);
  for await (const piece of run) yield content(piece);
  yield end(run.finishReason!, meter);
}

/** tool_choice 'auto': text pieces wait while they could still spell "Call:"; the session not needed is closed. */
async function* textOrCall(
  session: Session,
  spare: Session,
  plan: ChatPlan,
  meter: UsageMeter,
  close: (session: Session) => Promise<void>,
): AsyncGenerator<AnswerEvent> {
  const run = new TextRun(session, budgeted(plan, meter, plan.text), meter);
  let held: TextPiece[] | undefined = [];
  for await (const piece of run) {
    if (held === undefined) {
      yield content(piece);
      continue;
    }
    held.push(piece);
    const text = held.map((each) => each.text).join('');
    if (text.startsWith(CALL_PREFIX)) break;
    if (CALL_PREFIX.startsWith(text)) continue;
    await close(spare);
    for (const each of held) yield content(each);
    held = undefined;
  }
  if (run.finishReason === undefined) {
    await close(session);
    yield* toolCall(spare, plan, meter);
    return;
  }
  for (const each of held ?? []) yield content(each);
  yield end(run.finishReason, meter);
}

async function* toolCall(session: Session, plan: ChatPlan, meter: UsageMeter): AsyncGenerator<AnswerEvent> {
  const name = await chooseTool(session, plan, meter);
  if (name === undefined) {
    yield end('length', meter);
    return;
  }
  yield { kind: 'tool-call', id: `call_${crypto.randomUUID()}`, name };
  if (remaining(plan, meter) === 0) {
    yield end('length', meter);
    return;
  }
  const parameters = plan.tools.get(name)!.function.parameters ?? NO_PARAMETERS;
  const run = new TextRun(session, budgeted(plan, meter, { responseFormat: jsonSchema(parameters) }), meter);
  for await (const { text } of run) if (text.length > 0) yield { kind: 'tool-arguments', text };
  yield end(run.finishReason === 'stop' ? 'tool_calls' : 'length', meter);
}

/**
 * The name of the tool called, the state then being at the start of its arguments (after `, "arguments": `);
 * undefined when max_tokens ran out first.
 */
async function chooseTool(session: Session, plan: ChatPlan, meter: UsageMeter): Promise<string | undefined> {
  const names = [...plan.tools.keys()];
  if (names.length === 1) {
    await session.prefill(` ${CALL_NAME_PREFIX}${JSON.stringify(names[0])}${CALL_ARGUMENTS_PREFIX}`);
    return names[0];
  }
  await session.prefill(` ${CALL_NAME_PREFIX}`);
  if (remaining(plan, meter) === 0) return undefined;
  const run = new TextRun(session, budgeted(plan, meter, { responseFormat: jsonSchema({ enum: names }) }), meter);
  let text = '';
  for await (const piece of run) text += piece.text;
  if (run.finishReason !== 'stop') return undefined;
  await session.prefill(CALL_ARGUMENTS_PREFIX);
  return JSON.parse(text) as string;
}

/** The plan's options for one more generation: what is left of max_tokens, plus `extra`. */
function budgeted(plan: ChatPlan, meter: UsageMeter, extra: GenerateOptions): GenerateOptions {
  throwIfAborted(plan.sampling.signal);
  return { ...plan.sampling, ...extra, maxTokens: remaining(plan, meter) };
}

function remaining(plan: ChatPlan, meter: UsageMeter): number {
  return plan.sampling.maxTokens - meter.completionTokens;
}

function jsonSchema(schema: object): GenerateOptions['responseFormat'] {
  return { type: 'json_schema', schema };
}

function content({ text, logprobs }: TextPiece): AnswerEvent {
  return { kind: 'content', text, logprobs };
}

function end(finishReason: ChatFinishReason, meter: UsageMeter): AnswerEvent {
  return { kind: 'end', finishReason, usage: meter.usage() };
}
