/**
 * The command line: option specs, parsing (node:util parseArgs, strict), and help text.
 * Every option that takes a value takes the next word whatever it begins with, so a reason,
 * a token (base64url) or a phone number may begin with '-'.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** The value's placeholder in help, e.g. FILE. */
  readonly value?: string;
  readonly description: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

interface ParsedArgs {
  readonly values: OptionValues;
  readonly positionals: string[];
}

/** A command line that cannot be run: exit code 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--name value` as `--name=value` for every option that takes a value. */
export function valuesAttached(argv: readonly string[], options: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i]!;
    if (word === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = word.startsWith('--') && !word.includes('=') ? word.slice(2) : '';
    if (Object.hasOwn(options, name) && options[name]!.type === 'string' && i + 1 < argv.length) out.push(`--${name}=${argv[(i += 1)]}`);
    else out.push(word);
  }
  return out;
}

/** Parses argv against the options (strict: an unknown option is a UsageError). */
export function parseCommandLine(argv: readonly string[], options: OptionSpecs): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: valuesAttached(argv, options),
      options: Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, { type: spec.type, multiple: spec.multiple ?? false }])),
      allowPositionals: true,
      strict: true,
    });
    return { values: values as OptionValues, positionals };
  } catch (error) {
    throw new UsageError(plainParseError((error as Error).message));
  }
}

/** node:util's messages, without the advice to use "--" that means nothing to a person here. */
function plainParseError(message: string): string {
  return message.replace(/\. To specify a positional argument.*$/s, '.').replace(/^Unknown option '([^']+)'.*$/s, "Unknown option '$1'.");
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(values: OptionValues, name: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required.`);
  return value;
}

export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** Help lines for options: `  --name VALUE   description`, aligned. */
export function optionLines(options: OptionSpecs): string[] {
  const entries = Object.entries(options).map(
    ([name, spec]) => [`--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.description + (spec.multiple ? ' (repeatable)' : '')] as const,
  );
  const width = Math.max(0, ...entries.map(([flag]) => flag.length));
  return entries.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}
