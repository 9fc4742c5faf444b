/**
 * Where the API is and which key to use: flags first, then PEERGUARD_URL / PEERGUARD_API_KEY.
 * A key is never needed on the command line: --key-file reads it from a file, and
 * --local-admin reads the admin key `npm start` wrote to DATA_DIR/admin-api-key (only when asked).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringOption, UsageError, type OptionSpecs, type OptionValues } from './args.ts';
import type { Io } from './command.ts';

export const defaultBaseUrl = 'http://127.0.0.1:3000';
/** The file `npm start` writes its admin key to, inside DATA_DIR (infra/local/admin-key.ts). */
export const localAdminKeyFile = 'admin-api-key';

export const connectionOptions: OptionSpecs = {
  url: { type: 'string', value: 'URL', description: `the API's base URL (default: $PEERGUARD_URL, else ${defaultBaseUrl})` },
  'key-file': { type: 'string', value: 'FILE', description: 'read the API key from FILE (default: $PEERGUARD_API_KEY)' },
  'local-admin': { type: 'boolean', description: "use the local server's admin key, $DATA_DIR/admin-api-key (DATA_DIR defaults to .data)" },
};

/** A missing or unreadable key: exit 6, like a key the server refuses. */
export class MissingKey extends Error {
  override readonly name = 'MissingKey';
}

export function baseUrl(values: OptionValues, io: Io): string {
  const url = stringOption(values, 'url') ?? io.env.PEERGUARD_URL ?? defaultBaseUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as ${defaultBaseUrl}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL such as ${defaultBaseUrl}.`);
  return url;
}

export async function apiKey(values: OptionValues, io: Io): Promise<string> {
  const keyFile = stringOption(values, 'key-file');
  const localAdmin = values['local-admin'] === true;
  if (keyFile !== undefined && localAdmin) throw new UsageError('Give either --key-file or --local-admin, not both.');
  if (keyFile !== undefined) return readKey(resolve(io.cwd, keyFile), `the key file ${keyFile}`);
  if (localAdmin) {
    const path = resolve(io.cwd, io.env.DATA_DIR ?? '.data', localAdminKeyFile);
    return readKey(path, `the local admin key ${path} (is this the folder you ran npm start in?)`);
  }
  const fromEnv = io.env.PEERGUARD_API_KEY?.trim();
  if (fromEnv) return fromEnv;
  throw new MissingKey('No API key: set PEERGUARD_API_KEY, or pass --key-file FILE (or --local-admin on the machine running npm start).');
}

async function readKey(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new MissingKey(`Cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  const key = text.trim();
  if (key === '' || /\s/.test(key)) throw new MissingKey(`${what} must hold one API key and nothing else.`);
  return key;
}
