/**
 * A small, strict command-line parser: `--flag value` pairs only, every flag declared, unknown or missing flags are
 * a `UsageError` (the CLI exits 2 with a one-line message).
 */

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Required unless a default is given. */
  required?: boolean;
  default?: string;
  /** Allowed values, when the flag is an enumeration. */
  choices?: readonly string[];
  /** A flag that takes no value (its value becomes 'true'). */
  boolean?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

export function parseFlags(argv: readonly string[], specs: FlagSpecs): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const name = arg.slice(2);
    const spec = specs[name];
    if (!spec) throw new UsageError(`unknown flag --${name}`);
    if (name in values) throw new UsageError(`--${name} given twice`);
    if (spec.boolean) {
      values[name] = 'true';
      continue;
    }
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join('|')}, not '${value}'`);
    }
    values[name] = value;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (values[name] === undefined) {
      if (spec.required) throw new UsageError(`--${name} is required`);
      values[name] = spec.default;
    }
  }
  return values;
}

/** A positive integer flag value, or a UsageError naming the flag. */
export function positiveInteger(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`--${name} must be a positive integer`);
  return parsed;
}

/** A finite number flag value, or a UsageError naming the flag. */
export function finiteNumber(name: string, value: string | undefined): number {
  const parsed = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(parsed)) {
    throw new UsageError(`--${name} must be a number`);
  }
  return parsed;
}
