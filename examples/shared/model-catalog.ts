/**
 * The models the pickers offer: the embedded model shipped with the site (public/models/, what a page loads when
 * none is chosen, so that a fresh clone generates with no download), the official RWKV-7 World releases
 * (BlinkDL/rwkv-7-world on Hugging Face, with the World tokenizer's vocabulary from BlinkDL/ChatRWKV), and — when
 * the dev or preview server serves the test fixtures — the tiny byte-level models of rwkv.cpp's test suite at
 * /fixtures/.
 */

export interface CatalogModel {
  label: string;
  url: string;
  /** Approximate download size, for the picker's label. */
  bytes: number;
  /** The tokenizer's vocabulary file, for models whose tokenizer needs one. */
  vocab?: string;
}

/**
 * rwkv.cpp's tiny RWKV-5.2 test model (730K parameters, FP16, byte-level, MIT; public/models/README.md): it writes
 * English-looking words and phrases, not sense (about 6 per byte perplexity on plain English).
 */
export const EMBEDDED_MODEL: CatalogModel = {
  label: 'Embedded demo: tiny RWKV-5.2, 730K',
  url: new URL('/models/tiny-rwkv-5v2-730K-FP16.bin', location.href).href,
  bytes: 1_496_973,
};

export const WORLD_VOCAB_URL =
  'https://raw.githubusercontent.com/BlinkDL/ChatRWKV/main/tokenizer/rwkv_vocab_v20230424.txt';

const HUB = 'https://huggingface.co/BlinkDL/rwkv-7-world/resolve/main/';

export const OFFICIAL_MODELS: readonly CatalogModel[] = [
  { label: 'RWKV-7 World 0.1B (v2.8)', file: 'RWKV-x070-World-0.1B-v2.8-20241210-ctx4096.pth', bytes: 382e6 },
  { label: 'RWKV-7 World 0.4B (v2.9)', file: 'RWKV-x070-World-0.4B-v2.9-20250107-ctx4096.pth', bytes: 902e6 },
  { label: 'RWKV-7 World 1.5B (v3)', file: 'RWKV-x070-World-1.5B-v3-20250127-ctx4096.pth', bytes: 3.06e9 },
  { label: 'RWKV-7 World 2.9B (v3)', file: 'RWKV-x070-World-2.9B-v3-20250211-ctx4096.pth', bytes: 5.9e9 },
].map(({ label, file, bytes }) => ({ label, url: HUB + file, bytes, vocab: WORLD_VOCAB_URL }));

/** What the dev and preview servers list at /fixtures/models.json (examples/tooling/serve-fixtures.ts). */
interface FixtureListing {
  name: string;
  path: string;
  bytes: number;
}

/** The fixture models the server offers (byte-level: no vocabulary needed); none when it serves no fixtures. */
export async function fetchFixtureModels(): Promise<CatalogModel[]> {
  try {
    const response = await fetch(new URL('/fixtures/models.json', location.href), { cache: 'no-cache' });
    if (!response.ok) return [];
    const listing = (await response.json()) as FixtureListing[];
    return listing.map(({ name, path, bytes }) => ({ label: name, url: new URL(path, location.href).href, bytes }));
  } catch {
    return [];
  }
}

/** The preferred fixture for demos and tests: the RWKV-7 FP32 model, else the first. */
export function preferredFixture(fixtures: readonly CatalogModel[]): CatalogModel | undefined {
  return fixtures.find((model) => /7v0.*FP32/.test(model.label)) ?? fixtures[0];
}
