/** `export` (all pages of an audit export into one file), `audit key`, `audit tokens` (auditor keys). */
import { stringOption, UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { exitCodes } from '../exit-codes.ts';
import { downloadExport } from '../export-download.ts';
import { forceOption, outputPath, writeOutput } from '../files.ts';
import { progress } from '../progress.ts';
import { readSubject, subjectOptions } from '../subject.ts';
import { exportFormats, type ExportFormat } from '#shared/audit/manifest.ts';
import { isRealDate } from '#shared/dates.ts';

export const exportCommand: Command = {
  name: 'export',
  summary: 'download an audit export (every page) into one file',
  usage: '--from YYYY-MM-DD --to YYYY-MM-DD --out FILE [--format jsonl|csv]',
  positionals: 0,
  options: {
    from: { type: 'string', value: 'YYYY-MM-DD', description: 'first day (UTC)' },
    to: { type: 'string', value: 'YYYY-MM-DD', description: 'last day (UTC)' },
    format: {
      type: 'string',
      value: 'FORMAT',
      description: 'jsonl (default; the manifest is the last line) or csv (the manifest goes to <out>.manifest.json)',
    },
    out: { type: 'string', value: 'FILE', description: 'where to write the export' },
    force: forceOption,
  },
  server: true,
  examples: ['peerguard export --from 2026-11-01 --to 2026-11-30 --out nov.jsonl'],
  details: ['Needs an auditor key. Written as <out>.partial and renamed when the last page has arrived. Then: peerguard verify <out> --key key.json'],
  async run(context) {
    const from = stringOption(context.values, 'from');
    const to = stringOption(context.values, 'to');
    if (!from || !to || !isRealDate(from) || !isRealDate(to)) throw new UsageError('--from and --to are required, as real dates written YYYY-MM-DD.');
    const format = (stringOption(context.values, 'format') ?? 'jsonl') as ExportFormat;
    if (!exportFormats.includes(format)) throw new UsageError('--format must be jsonl or csv.');
    const out = outputPath(context.values, context.io, 'the export');
    const { baseUrl, apiKey } = await context.connection();
    const bar = progress(context.io, 'entries');
    let result;
    try {
      result = await downloadExport({
        url: baseUrl,
        apiKey,
        from,
        to,
        format,
        out,
        onPage: ({ page, bytes, lines, entries }) => bar.update(Math.min(lines, entries), entries, `(page ${page}, ${(bytes / 1024).toFixed(0)} KiB)`),
      });
    } finally {
      bar.finish();
    }
    const { manifest } = result;
    const shown = context.values.out as string;
    context.report({ out, pages: result.pages, bytes: result.bytes, manifest, manifestFile: result.manifestPath, checkpointsFile: result.checkpointsPath }, [
      `Wrote ${shown}: ${manifest.count} entries (${manifest.from} to ${manifest.to}) in ${result.pages} page(s), ${result.bytes} bytes, export ${manifest.exportId}.`,
      ...(result.manifestPath ? [`Manifest: ${shown}.manifest.json`] : []),
      ...(result.checkpointsPath ? [`Checkpoints: ${shown}.checkpoints.jsonl`] : []),
      `Verify it offline with the network's public key (peerguard audit key --out key.json):`,
      `  peerguard verify ${shown} --key key.json${result.manifestPath ? ` --manifest ${shown}.manifest.json` : ''}${result.checkpointsPath ? ` --checkpoints ${shown}.checkpoints.jsonl` : ''}`,
    ]);
    return exitCodes.ok;
  },
};

export const auditKey: Command = {
  name: 'audit key',
  summary: "save the network's public verification key (for verify and verify-receipt)",
  usage: '--out FILE',
  positionals: 0,
  options: { out: { type: 'string', value: 'FILE', description: 'where to write the key (JSON: keyId, algorithm, publicKeyPem)' }, force: forceOption },
  server: true,
  examples: ['peerguard audit key --out key.json'],
  details: ['Needs an auditor key. Anyone may be given the file: it is a public key.'],
  async run(context) {
    const out = outputPath(context.values, context.io, 'the key');
    const key = await (await context.api()).verificationKey();
    await writeOutput(out, `${JSON.stringify(key, null, 2)}\n`);
    context.report({ ...key, out }, [`Saved verification key ${key.keyId} (${key.algorithm}) to ${context.values.out as string}.`]);
    return exitCodes.ok;
  },
};

export const auditTokens: Command = {
  name: 'audit tokens',
  summary: "compute a person's tokens, to search an export for their checks (verify --find-token)",
  usage: '[--name NAME] [--dob YYYY-MM-DD] [--phone PHONE] [--email EMAIL] | --subject-file FILE|-',
  positionals: 0,
  options: subjectOptions,
  server: true,
  examples: ['peerguard audit tokens --subject-file - < person.txt'],
  details: ['Needs an auditor key. Prints tokens (keyed hashes), never the identifiers.'],
  async run(context) {
    const subject = await readSubject(context.values, context.io);
    const { tokens } = await (await context.api()).subjectTokens(subject);
    context.report({ tokens }, tokens.length === 0 ? ['No tokens.'] : tokens.map((token) => `${token.kind}: ${token.token}`));
    return exitCodes.ok;
  },
};
