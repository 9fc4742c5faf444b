/** `health`: is the API up (no key needed). */
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';

export const health: Command = {
  name: 'health',
  summary: 'check that the API answers (no key needed)',
  usage: '',
  positionals: 0,
  options: {},
  server: true,
  examples: ['peerguard health --url https://api.example.org'],
  async run(context) {
    const answer = await (await context.api({ keyRequired: false })).health();
    context.report(answer, [`The API at ${context.values.url ?? context.io.env.PEERGUARD_URL ?? 'http://127.0.0.1:3000'} answers: ${answer.status}.`]);
    return exitCodes.ok;
  },
};
