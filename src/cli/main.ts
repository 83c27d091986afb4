#!/usr/bin/env node
/**
 * The `rwkv-webgpu` command; `--help` after it or after a command prints the usage. Exit codes: 0 success,
 * 1 runtime failure (one line naming the error class, e.g. a bad model file's ModelFormatError), 2 bad arguments
 * (a one-line usage error).
 */
import { RwkvError } from '../errors.js';
import { UsageError } from './args.js';
import { COMMANDS, USAGE } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'`);
  if (rest.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  await command(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`rwkv-webgpu: ${error.message} (see rwkv-webgpu --help)\n`);
      process.exitCode = 2;
    } else if (error instanceof RwkvError) {
      process.stderr.write(`rwkv-webgpu: ${error.name}: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`rwkv-webgpu: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
