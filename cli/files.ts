/**
 * Files the CLI writes: only where the user says (--out), never over an existing file unless
 * --force, and never half-written under the final name (written as `<out>.partial`, renamed
 * when complete).
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringOption, UsageError, type OptionSpec, type OptionValues } from './args.ts';
import type { Io } from './command.ts';

export const forceOption: OptionSpec = { type: 'boolean', description: 'overwrite the output file if it exists' };

/** The --out path, resolved; a usage error when missing or when the file exists without --force. */
export function outputPath(values: OptionValues, io: Io, what: string): string {
  const out = stringOption(values, 'out');
  if (out === undefined || out === '') throw new UsageError(`--out FILE is required: where to write ${what}.`);
  const path = resolve(io.cwd, out);
  if (existsSync(path) && values.force !== true) throw new UsageError(`${out} already exists; choose another --out, or pass --force to overwrite it.`);
  return path;
}

export async function writeOutput(path: string, content: string, mode = 0o644): Promise<void> {
  const partial = `${path}.partial`;
  await writeFile(partial, content, { mode });
  await rename(partial, path);
}

/** Reads an input file (or stdin for '-'); unreadable is a usage error that names the file only. */
export async function readInput(io: Io, file: string, what: string, prompt = what): Promise<string> {
  if (file === '-') return io.readStdin(prompt);
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
}
