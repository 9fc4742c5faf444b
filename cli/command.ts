/**
 * What a command is (its words, options, help and run function) and what it gets to run: the
 * parsed command line, the process's streams and environment, the API, and one way to report.
 */
import type { OptionSpecs, OptionValues } from './args.ts';
import type { PeerguardApi } from './api.ts';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** All of stdin; `what` names it for a person typing it on a terminal. */
  readonly readStdin: (what: string) => Promise<string>;
  /** Whether stderr is a terminal (the progress bar redraws one line only there). */
  readonly stderrIsTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths start (the process's working directory). */
  readonly cwd: string;
}

export interface Command {
  /** The words that name it: `admin key create`. */
  readonly name: string;
  readonly summary: string;
  /** The arguments after the name, for the usage line: `<alertId> --reason TEXT`. */
  readonly usage: string;
  readonly options: OptionSpecs;
  /** How many arguments besides options it takes at most (more is a usage error, so a value with an unquoted space is never half-used). */
  readonly positionals: number;
  /** Whether it talks to the API (and so takes --url, --key-file, --local-admin). */
  readonly server: boolean;
  readonly examples: readonly string[];
  /** More lines of help, after the options. */
  readonly details?: readonly string[];
  run(context: Context): Promise<number>;
}

export interface Context {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  readonly io: Io;
  readonly json: boolean;
  /** The API with the resolved URL and key (a missing key is an auth error, exit 6). */
  api(options?: { keyRequired?: boolean }): Promise<PeerguardApi>;
  /** The resolved base URL and key (for the streaming export). */
  connection(): Promise<{ baseUrl: string; apiKey: string }>;
  /** Prints the answer: `json` as one JSON document with --json, else the sentences on stdout. */
  report(json: unknown, sentences: readonly string[]): void;
  /** A line on stderr for people (never with --json on stdout). */
  note(line: string): void;
}
