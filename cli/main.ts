/** The `peerguard` process: runs the command named by argv with the real streams and exits with its code. */
import { text } from 'node:stream/consumers';
import { runCli } from './run.ts';

runCli(process.argv.slice(2), {
  stdout: (chunk) => process.stdout.write(chunk),
  stderr: (chunk) => process.stderr.write(chunk),
  readStdin: (what) => {
    if (process.stdin.isTTY) process.stderr.write(`Type ${what}, then Ctrl-D on a line of its own:\n`);
    return text(process.stdin);
  },
  stderrIsTTY: process.stderr.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`peerguard failed unexpectedly: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 70;
  },
);
