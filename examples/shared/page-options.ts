/**
 * What a page's address asks for: `?model=URL` loads that model at once (the chat and the playground), `?backend=`
 * picks the backend ('auto', 'webgpu' or 'cpu'; default 'auto'), `?vocab=URL` gives the tokenizer's vocabulary.
 */
import type { BackendChoice } from '../../src/index.js';

const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'cpu'];

export interface PageOptions {
  model: string | undefined;
  vocab: string | undefined;
  backend: BackendChoice;
}

export function pageOptions(search = location.search): PageOptions {
  const params = new URLSearchParams(search);
  const backend = params.get('backend') as BackendChoice | null;
  return {
    model: params.get('model') ?? undefined,
    vocab: params.get('vocab') ?? undefined,
    backend: backend !== null && BACKENDS.includes(backend) ? backend : 'auto',
  };
}

/**
 * The page's address with `?model=` (and `?backend=`) set, for bookmarks and reloads; a model from a file has no
 * address, so `?model=` goes.
 */
export function addressWithModel(model: string | File, backend: BackendChoice, href = location.href): string {
  const url = new URL(href);
  if (typeof model === 'string') url.searchParams.set('model', model);
  else url.searchParams.delete('model');
  if (backend === 'auto') url.searchParams.delete('backend');
  else url.searchParams.set('backend', backend);
  return url.href;
}
