/** `admin practice …`, `admin key …`, `admin clause …` (admin keys; `clause list` works with any key). */
import { requiredOption, stringOption, UsageError } from '../args.ts';
import type { Command, Context } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';
import { roles, type Role } from '#shared/routes.ts';
import { forceOption, outputPath, readInput, writeOutput } from '../files.ts';

export const practiceCreate: Command = {
  name: 'admin practice create',
  summary: 'register a practice',
  usage: '--name NAME --region REGION',
  positionals: 0,
  options: {
    name: { type: 'string', value: 'NAME', description: "the practice's name" },
    region: { type: 'string', value: 'REGION', description: 'where it is, e.g. CT' },
  },
  server: true,
  examples: ['peerguard admin practice create --name "Harbour Massage" --region CT'],
  async run(context) {
    const practice = await (await context.api()).createPractice({
      name: requiredOption(context.values, 'name'),
      region: requiredOption(context.values, 'region'),
    });
    context.report(practice, [`Created practice ${practice.practiceId} (${practice.name}, ${practice.region}).`]);
    return exitCodes.ok;
  },
};

export const practiceList: Command = {
  name: 'admin practice list',
  summary: 'list every practice, oldest first',
  usage: '',
  positionals: 0,
  options: {},
  server: true,
  examples: ['peerguard admin practice list --json'],
  async run(context) {
    const { items } = await (await context.api()).listPractices();
    context.report(items, items.length === 0 ? ['No practices yet.'] : items.map((p) => `${p.practiceId} ${p.name} (${p.region}), since ${p.createdAt}`));
    return exitCodes.ok;
  },
};

export const keyCreate: Command = {
  name: 'admin key create',
  summary: 'create an API key (shown once)',
  usage: '--role ROLE [--practice PRACTICE_ID] --label TEXT [--out FILE]',
  positionals: 0,
  options: {
    role: { type: 'string', value: 'ROLE', description: 'admin, reviewer, practice or auditor' },
    practice: { type: 'string', value: 'PRACTICE_ID', description: 'the practice a reviewer or practice key belongs to' },
    label: { type: 'string', value: 'TEXT', description: 'what the key is for, e.g. "front desk"' },
    out: { type: 'string', value: 'FILE', description: 'write the key to FILE (owner-only) instead of printing it; use it with --key-file FILE' },
    force: forceOption,
  },
  server: true,
  examples: ['peerguard admin key create --role practice --practice prc_01jd… --label "front desk" --out harbour-desk.key'],
  details: ['The key is shown once: only its hash is stored. With --out it goes to the file and is not printed.'],
  async run(context) {
    const out = stringOption(context.values, 'out') === undefined ? undefined : outputPath(context.values, context.io, 'the key');
    const role = requiredOption(context.values, 'role');
    if (!isRole(role)) throw new UsageError(`--role must be one of ${roles.join(', ')}.`);
    const created = await (await context.api()).createKey({
      role,
      practiceId: stringOption(context.values, 'practice'),
      label: requiredOption(context.values, 'label'),
    });
    const owner = created.practiceId ? ` of practice ${created.practiceId}` : '';
    if (out !== undefined) {
      await writeOutput(out, `${created.apiKey}\n`, 0o600);
      const { apiKey: _shownOnce, ...listing } = created;
      context.report({ ...listing, keyFile: out }, [
        `Created ${created.role} key ${created.keyId}${owner}; the key is in ${context.values.out as string} (use --key-file ${context.values.out as string}).`,
      ]);
    } else {
      context.report(created, [`Created ${created.role} key ${created.keyId}${owner}. The key, shown this once:`, created.apiKey]);
    }
    return exitCodes.ok;
  },
};

export const keyRevoke: Command = {
  name: 'admin key revoke',
  summary: 'revoke an API key (it stops working at once locally, within a minute in AWS)',
  usage: '<keyId>',
  positionals: 1,
  options: {},
  server: true,
  examples: ['peerguard admin key revoke key_01jd…'],
  async run(context) {
    if (context.positionals.length !== 1) throw new UsageError('Give one key id: peerguard admin key revoke <keyId>');
    const keyId = context.positionals[0]!;
    await (await context.api()).revokeKey(keyId);
    context.report({ keyId, revoked: true }, [`Revoked key ${keyId}.`]);
    return exitCodes.ok;
  },
};

export const keyList: Command = {
  name: 'admin key list',
  summary: 'list the API keys, oldest first (never a secret)',
  usage: '[--practice PRACTICE_ID]',
  positionals: 0,
  options: {
    practice: { type: 'string', value: 'PRACTICE_ID', description: 'only the practice and reviewer keys of this practice' },
  },
  server: true,
  examples: ['peerguard admin key list --practice prc_01jd…'],
  details: ['Revoked keys are listed too, with when they were revoked. A key secret is never listed: only its holder has it.'],
  async run(context) {
    const { items } = await (await context.api()).listKeys(stringOption(context.values, 'practice'));
    context.report(items, items.length === 0 ? ['No keys.'] : items.map(keyLine));
    return exitCodes.ok;
  },
};

function keyLine(key: { keyId: string; role: string; label: string; practiceId?: string; createdAt: string; revokedAt?: string }): string {
  const owner = key.practiceId ? ` of practice ${key.practiceId}` : '';
  const revoked = key.revokedAt ? `, REVOKED ${key.revokedAt}` : '';
  return `${key.keyId} ${key.role} key "${key.label}"${owner}, created ${key.createdAt}${revoked}`;
}

const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);

const clauseTextOptions = {
  text: { type: 'string', value: 'TEXT', description: 'the clause text' },
  'text-file': { type: 'string', value: 'FILE', description: 'read the clause text from FILE (exactly, less one final line break)' },
  jurisdiction: { type: 'string', value: 'CODE', description: 'where it applies, e.g. US-CT' },
} as const;

async function clauseText(context: Context): Promise<string> {
  const text = stringOption(context.values, 'text');
  const file = stringOption(context.values, 'text-file');
  if ((text === undefined) === (file === undefined)) throw new UsageError('Give the clause as --text TEXT or --text-file FILE (one of them).');
  return text ?? (await readInput(context.io, file!, 'the clause file')).replace(/\r?\n$/, '');
}

export const clausePublish: Command = {
  name: 'admin clause publish',
  summary: 'publish a new consent clause (version 1)',
  usage: '--text TEXT | --text-file FILE [--jurisdiction CODE]',
  positionals: 0,
  options: clauseTextOptions,
  server: true,
  examples: ['peerguard admin clause publish --text-file clause.txt --jurisdiction US-CT'],
  details: ['Prints the clause id, version and SHA-256 that alerts cite in their consent proof.'],
  async run(context) {
    const text = await clauseText(context);
    const clause = await (await context.api()).publishClause({ text, jurisdiction: stringOption(context.values, 'jurisdiction') });
    context.report(clause, [`Published clause ${clause.clauseId} version ${clause.version}, sha256 ${clause.sha256}.`]);
    return exitCodes.ok;
  },
};

export const clauseVersion: Command = {
  name: 'admin clause version',
  summary: 'publish new text under an existing clause (older versions stay valid)',
  usage: '<clauseId> --text TEXT | --text-file FILE [--jurisdiction CODE]',
  positionals: 1,
  options: clauseTextOptions,
  server: true,
  examples: ['peerguard admin clause version cls_01jd… --text-file clause-v2.txt'],
  async run(context) {
    if (context.positionals.length !== 1) throw new UsageError('Give one clause id: peerguard admin clause version <clauseId> --text-file FILE');
    const text = await clauseText(context);
    const clause = await (await context.api()).publishClauseVersion(context.positionals[0]!, {
      text,
      jurisdiction: stringOption(context.values, 'jurisdiction'),
    });
    context.report(clause, [`Published clause ${clause.clauseId} version ${clause.version}, sha256 ${clause.sha256}.`]);
    return exitCodes.ok;
  },
};

export const clauseList: Command = {
  name: 'admin clause list',
  summary: 'list every published clause version (any key may read them)',
  usage: '',
  positionals: 0,
  options: {},
  server: true,
  examples: ['peerguard admin clause list --json'],
  async run(context) {
    const { items } = await (await context.api()).listClauses();
    context.report(
      items,
      items.length === 0
        ? ['No clauses published yet.']
        : items.map((c) => `${c.clauseId} v${c.version}${c.jurisdiction ? ` (${c.jurisdiction})` : ''}, sha256 ${c.sha256}, published ${c.publishedAt}`),
    );
    return exitCodes.ok;
  },
};
