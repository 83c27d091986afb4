/** The CLI's commands and their usage text. */
import { benchCommand } from './bench-command.js';
import { generateCommand } from './generate-command.js';
import { logitsCommand } from './logits-command.js';
import { perplexityCommand } from './perplexity-command.js';
import { tokenizeCommand } from './tokenize-command.js';

export type Command = (argv: string[]) => Promise<void>;

export const COMMANDS: Readonly<Record<string, Command>> = {
  logits: logitsCommand,
  tokenize: tokenizeCommand,
  bench: benchCommand,
  generate: generateCommand,
  perplexity: perplexityCommand,
};

export const USAGE = `Usage: rwkv-webgpu <command> [flags]

Commands:
  logits   --model FILE|DIR --input FILE --out FILE [--backend cpu|reference|webgpu] [--chunk N]
           [--quantize none|q8|q4] [--tokenizer auto|bytes|world|pile20b] [--vocab FILE]
           [--lora FILE[:alpha=N][:weight=W],...]
           Runs the model from a fresh state over the tokenized input, N tokens per step (default 1), and writes
           n_tokens x n_vocab little-endian f32 logits (row t = logits after tokens 0..t). cpu (default): the fast
           CPU backend (WebAssembly); reference: the CPU reference forward pass (the oracle); webgpu: headless
           Chromium. --quantize: the weights quantized at load (q8: Q8_0 blocks; q4: 4-bit blocks); on the
           reference, the same quantized values. DIR: a Hugging Face folder (shards, index, config.json) or the
           parts of a split GGUF (so is FILE naming one part, name-0000i-of-0000N.gguf). --lora merges LoRA
           adapters at load.
  tokenize --tokenizer bytes|world|pile20b [--vocab FILE] --input FILE
           Prints the token ids of the input file as a JSON array.
  generate --model FILE|DIR --prompt TEXT [--max-tokens N] [--temperature T] [--top-p P] [--seed S]
           [--backend auto|webgpu|cpu] [--quantize none|q8|q4] [--vocab FILE] [--lora FILE[:alpha=N][:weight=W],...]
           [--state FILE]
           Streams generated text to stdout, then the stats (tokens, tok/s, time to first token) to stderr.
           --state: a state-tuning file (RWKV-PEFT's time_state); the session starts from its initial state.
           cpu/auto run in this process (Node has no WebGPU: auto falls back to the CPU); webgpu runs in headless
           Chromium.
  bench    [--json FILE] [--models v7-0.1b,v7-0.4b,v7-1.5b] [--weights f16,q8,q4] [--decode-tokens N]
           [--warmup-tokens N] [--prefill-tokens N] [--batch N] [--seed S] [--vocab FILE] [--load-only]
           [--probe-only] [--require-gpu [--allow-software]]
           Benchmarks synthetic RWKV-7 shapes on the browser's WebGPU adapter, each with f16 weights and quantized
           at load to q8 and q4, side by side: weight MiB, load time, bytes read per token, read bandwidth, decode
           tok/s (batch 1), prefill tok/s, batched decode tok/s (--load-only: weight bytes and load time alone, for
           shapes too slow to step on this adapter); and, on this CPU, the constrained-decoding
           mask per token for a JSON Schema over the World vocabulary (--vocab rwkv_vocab_v20230424.txt; a
           synthetic 65,536-token vocabulary otherwise). Prints a table; --json writes the report.
           --require-gpu: only on the machine's GPU (Chromium's Vulkan set-up); an adapter that runs on the CPU
           (SwiftShader) is refused, exit 1, and --json says why, unless --allow-software ('npm run bench:gpu').
           --probe-only: the adapter and its read-bandwidth probe alone, in seconds.
  bench --cpu [--formats f16,q8_0,q4_0,q4_1,q8,q4] [--threads 1,2] [--rwkv-cpp f16=N,f16@2=N,...] [--save-models DIR]
           [--decode-tokens N] [--prefill-tokens N] [--json FILE]
           Benchmarks the fast CPU backend in this process on a synthetic RWKV-7 0.1B per weight format and thread
           count: decode tok/s (batch 1 and 4), prefill tok/s, memory, and the ratio to rwkv.cpp's decode tok/s
           given per format and thread count (@2: two threads). Formats: the file's matrix type (default
           f16,q8_0,q4_0), or q8 / q4: the f16 file quantized at load.

  perplexity --model FILE --text FILE [--quantize none,q8,q4] [--chunk N] [--tokenizer auto|bytes|world|pile20b]
           [--vocab FILE] [--json FILE]
           Perplexity of the model on the text with the CPU reference, as read from the file (none) and after each
           load-time quantization (q8, q4: the values the GPU holds), and each one's change against none.
           data/held-out-english.txt in the repository is a held-out English passage for this.

Exit codes: 0 success, 1 runtime error (e.g. a bad model file), 2 bad arguments.
`;
