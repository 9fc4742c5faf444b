/**
 * `npm run audit-export -- --url http://127.0.0.1:3000 --key-file <file> --from 2026-11-01
 *   --to 2026-11-30 [--format jsonl|csv] --out <file>`
 *
 * The auditor's API key comes from a file (`--key-file`, the key on its first line) or from the
 * environment (`PEERGUARD_API_KEY`), never from the command line, where any user of the machine
 * could read it in the process list and the shell would keep it in its history.
 *
 * Follows the export's pages (the `Link: rel="next"` header) and streams them into ONE file:
 * jsonl with the manifest as its last line, or csv (one header row) with the manifest written
 * beside it as `<out>.manifest.json`. The file is written as `<out>.partial` and renamed when
 * the last page has arrived, so an interrupted export never looks complete.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { csvHeader, csvNewline } from '#shared/audit/export-format.ts';
import { exportFormats, manifestFromHeader, manifestLine, type ExportFormat, type Manifest } from '#shared/audit/manifest.ts';

export interface DownloadOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly apiKey: string;
  readonly from: string;
  readonly to: string;
  readonly format: ExportFormat;
  readonly out: string;
  /** Called after each page (for progress). */
  readonly onPage?: ((page: number, bytes: number) => void) | undefined;
}

export interface DownloadResult {
  readonly pages: number;
  readonly bytes: number;
  readonly manifest: Manifest;
  /** csv only: where the manifest was written. */
  readonly manifestPath?: string | undefined;
}

export class ExportFailed extends Error {
  override readonly name = 'ExportFailed';
}

export async function downloadExport(options: DownloadOptions): Promise<DownloadResult> {
  const partial = `${options.out}.partial`;
  const file = createWriteStream(partial);
  const csvHeaderBytes = Buffer.from(csvHeader + csvNewline, 'utf8');
  let next: string | undefined = `/v1/audit/export?${new URLSearchParams({ from: options.from, to: options.to, format: options.format }).toString()}`;
  let manifestValue: string | undefined;
  let pages = 0;
  let bytes = 0;
  try {
    while (next !== undefined) {
      const response = await fetch(new URL(next, options.url), { headers: { authorization: `Bearer ${options.apiKey}` } });
      if (response.status !== 200 || !response.body) throw new ExportFailed(await problemSummary(response, pages + 1));
      const header = response.headers.get('x-audit-manifest');
      if (!header) throw new ExportFailed(`page ${pages + 1} has no X-Audit-Manifest header`);
      if (manifestValue !== undefined && header !== manifestValue) throw new ExportFailed(`the manifest changed on page ${pages + 1}`);
      manifestValue = header;
      pages += 1;
      // Every csv page starts with the header row; the file keeps the first page's only.
      bytes += await writeBody(response.body, file, options.format === 'csv' && pages > 1 ? csvHeaderBytes : undefined);
      options.onPage?.(pages, bytes);
      next = nextLink(response.headers.get('link'));
    }
    file.end();
    await once(file, 'finish');
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  const parsed = manifestFromHeader(manifestValue!);
  if ('error' in parsed) throw new ExportFailed(parsed.error);
  let manifestPath: string | undefined;
  if (options.format === 'csv') {
    manifestPath = `${options.out}.manifest.json`;
    await writeFile(manifestPath, `${manifestLine(parsed.manifest)}\n`);
  }
  await rename(partial, options.out);
  return { pages, bytes, manifest: parsed.manifest, manifestPath };
}

/** Streams a response body to the file (honouring back-pressure), first dropping `skip` if given. */
async function writeBody(body: ReadableStream<Uint8Array>, file: WriteStream, skip: Buffer | undefined): Promise<number> {
  let pending = skip ? Buffer.alloc(0) : undefined;
  let written = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    let data = Buffer.from(chunk);
    if (pending !== undefined && skip) {
      pending = Buffer.concat([pending, data]);
      if (pending.length < skip.length) continue;
      if (!pending.subarray(0, skip.length).equals(skip)) throw new ExportFailed('a csv page does not start with the export header row');
      data = pending.subarray(skip.length);
      pending = undefined;
    }
    written += data.length;
    if (!file.write(data)) await once(file, 'drain');
  }
  if (pending !== undefined) throw new ExportFailed('a csv page ended inside its header row');
  return written;
}

function nextLink(link: string | null): string | undefined {
  return link ? /<([^>]+)>\s*;\s*rel="next"/.exec(link)?.[1] : undefined;
}

async function problemSummary(response: Response, page: number): Promise<string> {
  const text = await response.text();
  try {
    const problem = JSON.parse(text) as { title?: string; detail?: string; errors?: { path: string; message: string }[] };
    const errors = (problem.errors ?? []).map((error) => `\n  ${error.path}: ${error.message}`).join('');
    return `page ${page}: HTTP ${response.status} ${problem.title ?? ''}: ${problem.detail ?? ''}${errors}`;
  } catch {
    return `page ${page}: HTTP ${response.status}`;
  }
}

const usage =
  'usage: PEERGUARD_API_KEY=<auditor api key> npm run audit-export -- --url <base url> --from YYYY-MM-DD --to YYYY-MM-DD [--format jsonl|csv] --out <file>\n' +
  '   or: npm run audit-export -- --key-file <file holding the key> --url … --from … --to … --out <file>';

/** The command line and environment as download options, or the sentence that says what is wrong. */
export function exportOptions(argv: readonly string[], env: NodeJS.ProcessEnv): { options: Omit<DownloadOptions, 'onPage'> } | { error: string } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      key: { type: 'string' },
      'key-file': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
      out: { type: 'string' },
    },
  });
  if (values.key !== undefined) {
    return { error: '--key no longer takes the API key itself (the process list and your shell history would show it): put it in a file and pass --key-file <file>, or set PEERGUARD_API_KEY' };
  }
  let apiKey = env.PEERGUARD_API_KEY?.trim();
  if (values['key-file'] !== undefined) {
    try {
      apiKey = readFileSync(values['key-file'], 'utf8').split('\n')[0]!.trim();
    } catch (error) {
      return { error: `cannot read the key file ${values['key-file']}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
  }
  const format = values.format as ExportFormat;
  if (!apiKey || !values.from || !values.to || !values.out || !exportFormats.includes(format)) return { error: usage };
  return { options: { url: values.url!, apiKey, from: values.from, to: values.to, format, out: values.out } };
}

async function main(): Promise<number> {
  const parsed = exportOptions(process.argv.slice(2), process.env);
  if ('error' in parsed) {
    process.stderr.write(`${parsed.error}\n`);
    return 2;
  }
  const values = parsed.options;
  const result = await downloadExport({
    ...values,
    onPage: (page, bytes) => process.stderr.write(`page ${page}: ${bytes} bytes so far\n`),
  });
  const { manifest } = result;
  process.stdout.write(
    [
      `Wrote ${values.out}: ${manifest.count} entries (${manifest.from} to ${manifest.to}) in ${result.pages} page(s), ${result.bytes} bytes, export ${manifest.exportId}.`,
      ...(result.manifestPath ? [`Manifest: ${result.manifestPath}`] : []),
      `Verify it offline with the network's key (GET /v1/audit/verification-key saved as key.json):`,
      `  npm run verify-export -- ${values.out} --key key.json${result.manifestPath ? ` --manifest ${result.manifestPath}` : ''}`,
      '',
    ].join('\n'),
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`audit-export failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
