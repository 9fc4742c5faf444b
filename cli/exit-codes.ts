/**
 * The `peerguard` command's exit codes, one per outcome a script or a person may act on
 * (docs/cli.md lists them). `verify` keeps the offline verifier's 0 / 1 / 2 / 3.
 */
export const exitCodes = {
  /** Done; for `check` and `check-batch`, no booking matched; for `verify`, verified. */
  ok: 0,
  /** `verify` / `verify-receipt`: the file is not intact, or a signature does not verify. */
  verificationFailed: 1,
  /** The command line is wrong, or an input file cannot be read or holds bad rows. */
  usage: 2,
  /** `verify` without `--key`: the chain is intact but the signature was not checked. */
  signatureUnchecked: 3,
  /** `check` / `check-batch`: at least one booking matched a published alert. */
  match: 4,
  /** The server refused the request as invalid (400, 413, 415). */
  rejected: 5,
  /** No key, or the key is unknown, revoked, or may not do this (401, 403). */
  auth: 6,
  /** Not found (404), or not visible to this key. */
  notFound: 7,
  /** The request conflicts with the current state (409): e.g. a second decision, a wrong status. */
  conflict: 8,
  /** Too many requests (429): the practice's screening quota; wait for `Retry-After`. */
  rateLimited: 9,
  /** The server failed (5xx) or could not be reached. Nothing is known to have changed; retry later. */
  unavailable: 10,
  /** A fault in the CLI itself (a bug): please report it. */
  internal: 70,
} as const;

type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The exit code of an HTTP error status. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status === 404) return exitCodes.notFound;
  if (status === 409) return exitCodes.conflict;
  if (status === 429) return exitCodes.rateLimited;
  if (status >= 500) return exitCodes.unavailable;
  return exitCodes.rejected;
}

/** One line per exit code, for `--help` and docs/cli.md. */
export const exitCodeHelp = [
  '0   done (check: no match; verify: verified)',
  '1   verify, verify-receipt: NOT verified (tampered, incomplete, or wrong key)',
  '2   usage error, or an input file that cannot be read',
  '3   verify without --key: chain intact, signature not checked',
  '4   check, check-batch: at least one MATCH',
  '5   the server refused the request as invalid (400, 413)',
  '6   no API key, or the key is unknown, revoked or not allowed (401, 403)',
  '7   not found (404)',
  '8   conflict with the current state (409)',
  '9   rate limited (429): try again after the time given',
  '10  server error or server unreachable (5xx, network)',
  '70  a fault in the CLI itself',
] as const;
