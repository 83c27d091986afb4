/** `rwkv-webgpu tokenize`: prints the token ids of a file as a JSON array. */
import { readFile } from 'node:fs/promises';
import { parseFlags } from './args.js';
import { assertReadable } from './model-file.js';
import { resolveTokenizer } from './tokenizer-option.js';

export async function tokenizeCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, {
    tokenizer: { required: true, choices: ['bytes', 'world', 'pile20b'] },
    vocab: {},
    input: { required: true },
  });
  const tokenizer = await resolveTokenizer(flags.tokenizer!, flags.vocab, undefined);
  await assertReadable(flags.input!, 'input file');
  const ids =
    tokenizer.kind === 'bytes'
      ? Array.from(await readFile(flags.input!))
      : tokenizer.encode(await readFile(flags.input!, 'utf8'));
  process.stdout.write(`${JSON.stringify(ids)}\n`);
}
