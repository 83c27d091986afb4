/**
 * One press of Generate: a fresh session (or a fork of an imported one), the prompt prefilled, then `session.generate`
 * streaming tokens. Two forks of the prompt state serve the inspectors without touching the generation:
 *   - `promptState` answers "what did the model predict at position i?" by replaying the first i generated tokens;
 *   - `follower` is fed the generated tokens as they arrive (batched, at most every FOLLOW_INTERVAL_MS) and its
 *     state is read after each batch, so the heat map follows the generation. The engine has no way to read a
 *     session's state while it generates; the follower reaches the same state by the same computation.
 */
import type { Engine, GenerateOptions, GenerationStats, Session, State } from '../../src/index.js';

/** Least time between two follower updates, so the inspector does not slow the generation down much. */
const FOLLOW_INTERVAL_MS = 150;

export interface RunEvents {
  /** The prompt is in the state: its token count and how long the prefill took, as seen from the page. */
  onPrefilled(tokens: number, milliseconds: number): void;
  onToken(text: string, at: number): void;
  /** The follower's state after the first `tokens` generated tokens. */
  onState(state: State, tokens: number): void;
}

export class GenerationRun {
  /** Every sampled token, in order. */
  readonly tokens: number[] = [];
  private followed = 0;
  private following: Promise<void> | undefined;
  private lastFollowAt = -Infinity;
  private stopped = false;

  private constructor(
    private readonly promptState: Session,
    private readonly follower: Session,
    private follow: boolean,
  ) {}

  /** Prefills the prompt into a new session (a fork of `startFrom` when given) and generates until done or aborted. */
  static async run(
    engine: Engine,
    prompt: string,
    options: GenerateOptions,
    events: RunEvents,
    { startFrom, follow }: { startFrom?: Session; follow: boolean },
  ): Promise<{ run: GenerationRun; done: Promise<GenerationStats> }> {
    const session = startFrom === undefined ? await engine.createSession() : await startFrom.fork();
    let run: GenerationRun;
    try {
      const startedAt = performance.now();
      await session.prefill(prompt);
      events.onPrefilled((await engine.tokenizer.encode(prompt)).length, performance.now() - startedAt);
      run = new GenerationRun(await session.fork(), await session.fork(), follow);
    } catch (error) {
      void session.dispose();
      throw error;
    }
    const done = run.generate(session, options, events).finally(() => void session.dispose());
    return { run, done };
  }

  setFollow(follow: boolean): void {
    this.follow = follow;
  }

  /** The model's logits at generated position `position` (before token `position` was sampled). */
  async logitsAt(position: number): Promise<Float32Array> {
    const replay = await this.promptState.fork();
    try {
      if (position > 0) await replay.prefill(this.tokens.slice(0, position));
      return await replay.logits();
    } finally {
      void replay.dispose();
    }
  }

  /** The state after every generated token. */
  async finalState(): Promise<State> {
    await this.caughtUp();
    return this.follower.exportState();
  }

  /** The session after every generated token as a state file (`session.exportStateBlob()`). */
  async stateFile(): Promise<Blob> {
    await this.caughtUp();
    return this.follower.exportStateBlob();
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.promptState.dispose(), this.follower.dispose()]);
  }

  private async generate(session: Session, options: GenerateOptions, events: RunEvents): Promise<GenerationStats> {
    for await (const { token, text } of session.generate(options)) {
      this.tokens.push(token);
      const at = performance.now();
      events.onToken(text, at);
      if (this.follow && this.following === undefined && at - this.lastFollowAt >= FOLLOW_INTERVAL_MS) {
        this.lastFollowAt = at;
        this.following = this.catchUp(events).finally(() => (this.following = undefined));
      }
    }
    await this.following;
    if (this.follow) await this.catchUp(events);
    return session.lastStats!;
  }

  private async caughtUp(): Promise<void> {
    await this.following;
    await this.catchUp();
  }

  /** Feeds the follower the tokens it has not seen and reports its state. */
  private async catchUp(events?: RunEvents): Promise<void> {
    const pending = this.tokens.slice(this.followed);
    if (pending.length === 0 || this.stopped) return;
    this.followed = this.tokens.length;
    await this.follower.prefill(pending);
    if (events !== undefined && !this.stopped) events.onState(await this.follower.exportState(), this.followed);
  }
}
