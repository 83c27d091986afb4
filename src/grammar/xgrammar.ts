/**
 * Loads XGrammar (@mlc-ai/web-xgrammar, the grammar engine of WebLLM: C++ compiled to WebAssembly, inlined in its
 * script) once per thread. The package ships a UMD bundle inside a "type": "module" package, so how its exports
 * arrive depends on who loads it: a bundler that wraps it as CommonJS yields them as the module (or its default);
 * loaded as a plain ES module it sets `globalThis.xgrammar` instead. In Node it would name its own script through
 * `require`, which ES modules lack; it takes `location` instead when there is one, so Node gets a placeholder
 * `location` while the module is imported and its WebAssembly instantiated (on the first call into it, here a tiny
 * built-in grammar); the name is never used, the WebAssembly being inlined.
 *
 * XGrammar's C++ says why a grammar failed only on the console: its WebAssembly module binds `console.error` when
 * it starts and then throws a bare "Aborted()". So it is started with a `console.error` of ours in place, which
 * forwards to the real one — except while `withXGrammarReason` runs a call, when the lines are kept and become the
 * message of the error thrown.
 */
import type * as XGrammar from '@mlc-ai/web-xgrammar';

export type XGrammarModule = typeof XGrammar;

let loading: Promise<XGrammarModule> | undefined;
/** The console lines XGrammar wrote during the call `withXGrammarReason` runs; undefined outside one. */
let captured: string[] | undefined;

export function loadXGrammar(): Promise<XGrammarModule> {
  loading ??= importXGrammar();
  return loading;
}

async function importXGrammar(): Promise<XGrammarModule> {
  const scope = globalThis as { location?: unknown; document?: unknown; xgrammar?: XGrammarModule };
  const placeholder = scope.document === undefined && scope.location === undefined;
  if (placeholder) scope.location = { href: 'file:///' };
  try {
    const loaded = (await import('@mlc-ai/web-xgrammar')) as Partial<XGrammarModule> & { default?: XGrammarModule };
    const found = [loaded, loaded.default, scope.xgrammar].find((candidate) => candidate?.GrammarCompiler) as
      XGrammarModule | undefined;
    if (found === undefined) throw new Error('@mlc-ai/web-xgrammar loaded without its exports');
    const consoleError = console.error;
    console.error = (...args: unknown[]) => {
      if (captured === undefined) consoleError.apply(console, args);
      else captured.push(args.map(String).join(' '));
    };
    try {
      (await found.Grammar.builtinJSONGrammar()).dispose();
    } finally {
      console.error = consoleError;
    }
    return found;
  } finally {
    if (placeholder) delete scope.location;
  }
}

/**
 * Runs a call into XGrammar; when it fails, throws an Error whose message is XGrammar's own reason (e.g. "EBNF parser
 * error at line 1, column 10: Rule "foo" is not defined") rather than its bare "Aborted()".
 */
export async function withXGrammarReason<T>(call: () => Promise<T>): Promise<T> {
  const lines: string[] = [];
  captured = lines;
  try {
    return await call();
  } catch (error) {
    const reasons = lines.flatMap((line) => {
      const fatal = /\[FATAL\] \S+:\d+: (?:Check failed: .* is false: )?(.*)/s.exec(line);
      return fatal === null ? [] : [fatal[1].trim()];
    });
    throw new Error(reasons.length > 0 ? reasons.join('; ') : String(error), { cause: error });
  } finally {
    captured = undefined;
  }
}
