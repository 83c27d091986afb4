/**
 * Loads XGrammar (@mlc-ai/web-xgrammar, the grammar engine of WebLLM: C++ compiled to WebAssembly, inlined in its
 * script) once per thread. The package ships a UMD bundle inside a "type": "module" package, so how its exports
 * arrive depends on who loads it: a bundler that wraps it as CommonJS yields them as the module (or its default);
 * loaded as a plain ES module it sets `globalThis.xgrammar` instead. In Node it would name its own script through
 * `require`, which ES modules lack; it takes `location` instead when there is one, so Node gets a placeholder
 * `location` while the module is imported and its WebAssembly instantiated (on the first call into it, here a tiny
 * built-in grammar); the name is never used, the WebAssembly being inlined.
 */
import type * as XGrammar from '@mlc-ai/web-xgrammar';

export type XGrammarModule = typeof XGrammar;

let loading: Promise<XGrammarModule> | undefined;

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
    (await found.Grammar.builtinJSONGrammar()).dispose();
    return found;
  } finally {
    if (placeholder) delete scope.location;
  }
}
