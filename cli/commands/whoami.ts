/** `whoami`: which key the CLI is using (any key): its role, label and practice. */
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';

export const whoami: Command = {
  name: 'whoami',
  summary: 'show which key is in use: its role, label and practice',
  usage: '',
  positionals: 0,
  options: {},
  server: true,
  examples: ['peerguard whoami --key-file harbour-desk.key'],
  async run(context) {
    const me = await (await context.api()).whoAmI();
    const practice = me.practiceId ? ` of practice ${me.practiceId}${me.practiceName ? ` (${me.practiceName})` : ''}` : '';
    context.report(me, [`This is the ${me.role} key ${me.keyId} ("${me.label}")${practice}.`]);
    return exitCodes.ok;
  },
};
