/**
 * What the consumer test (tests/package/consumer.test.ts) runs in every way a user loads the packed package — a
 * Vite app importing 'rwkv-webgpu', a page importing the browser ESM by URL, the IIFE script tag (`window.RWKV`)
 * and a Node project: it generates text and scores a text on one backend, and reports the identity of every
 * exported error class (`name` and `instanceof`), made here and thrown across the engine's worker.
 */

/** `lib`: the package's exports; `settings`: { model, backend, prompt, maxTokens, seed, scored }. */
export async function probe(lib, settings) {
  const engine = await lib.createEngine({ model: settings.model, backend: settings.backend });
  const session = await engine.createSession();
  await session.prefill(settings.prompt);
  let text = '';
  for await (const token of session.generate({ maxTokens: settings.maxTokens, seed: settings.seed })) {
    text += token.text;
  }
  const { nll } = await engine.evaluate(settings.scored);
  const backend = engine.info.backend;
  await engine.dispose();
  return { backend, text, nll, errors: errorIdentities(lib), thrown: await thrownIdentity(lib, settings.backend) };
}

function errorIdentities(lib) {
  return Object.entries(lib)
    .filter(([name]) => name.endsWith('Error'))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, ErrorClass]) => {
      const error = new ErrorClass('probe');
      return { name, reported: error.name, own: error instanceof ErrorClass, base: error instanceof lib.RwkvError };
    });
}

/** Eight bytes that are no model: the engine (in its worker where there is one) refuses them. */
async function thrownIdentity(lib, backend) {
  try {
    await lib.createEngine({ model: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), backend });
    return { name: 'none: the garbage model loaded', own: false };
  } catch (error) {
    return { name: error.name, own: error instanceof lib.ModelFormatError };
  }
}
