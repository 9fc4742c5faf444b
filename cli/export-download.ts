/**
 * The audit export's download, behind `peerguard export` (and `npm run audit-export`), over the
 * typed client (its stream answer, so a page is never held in memory whole): follows the
 * export's pages (the `X-Audit-Next-Cursor` header) and streams them into ONE file: jsonl with the manifest as its last line, or csv (one header row) with the manifest written
 * beside it as `<out>.manifest.json`. The file is written as `<out>.partial` and renamed when
 * the last page has arrived, so an interrupted export never looks complete.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { csvHeader, csvNewline } from '#shared/audit/export-format.ts';
import { createPeerguardClient, PeerguardProblem } from '#client/peerguard-client.ts';
import { unreachable } from './api.ts';
import { manifestFromHeader, manifestLine, type ExportFormat, type Manifest } from '#shared/audit/manifest.ts';
import { canonicalJson } from '#shared/canonical.ts';
import { maxCheckpointsPerRequest } from '#shared/contract/requests/audit.ts';

export interface DownloadOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly apiKey: string;
  readonly from: string;
  readonly to: string;
  readonly format: ExportFormat;
  readonly out: string;
  /** The fetch to use (tests pass one that checks each answer against the API document). */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** Called after each page (for progress): lines written so far, and the export's entry count. */
  readonly onPage?: ((progress: { page: number; bytes: number; lines: number; entries: number }) => void) | undefined;
}

export interface DownloadResult {
  readonly pages: number;
  readonly bytes: number;
  readonly manifest: Manifest;
  /** csv only: where the manifest was written. */
  readonly manifestPath?: string | undefined;
  /** csv of many chains only: where its checkpoints were written (one a line), for `peerguard verify --checkpoints`. */
  readonly checkpointsPath?: string | undefined;
}

export class ExportFailed extends Error {
  override readonly name = 'ExportFailed';
  constructor(
    message: string,
    /** The HTTP status of the page that failed, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export async function downloadExport(options: DownloadOptions): Promise<DownloadResult> {
  const partial = `${options.out}.partial`;
  const file = createWriteStream(partial);
  const csvHeaderBytes = Buffer.from(csvHeader + csvNewline, 'utf8');
  const client = createPeerguardClient({ baseUrl: options.url, apiKey: options.apiKey, ...(options.fetch ? { fetch: options.fetch } : {}) });
  let cursor: string | undefined;
  let manifestValue: string | undefined;
  let pages = 0;
  let bytes = 0;
  const lines = { count: 0 };
  try {
    do {
      const query = { from: options.from, to: options.to, format: options.format, ...(cursor === undefined ? {} : { cursor }) };
      let answer;
      try {
        answer = await client.raw.GET('/v1/audit/export', { params: { query }, parseAs: 'stream' });
      } catch (error) {
        throw unreachable(options.url, error);
      }
      const { response } = answer;
      if (response.status !== 200 || !answer.data)
        throw new ExportFailed(problemSummary(await PeerguardProblem.from(response, answer.error), pages + 1), response.status);
      const header = response.headers.get('x-audit-manifest');
      if (!header) throw new ExportFailed(`page ${pages + 1} has no X-Audit-Manifest header`);
      if (manifestValue !== undefined && header !== manifestValue) throw new ExportFailed(`the manifest changed on page ${pages + 1}`);
      manifestValue = header;
      pages += 1;
      // Every csv page starts with the header row; the file keeps the first page's only.
      bytes += await writeBody(answer.data, file, options.format === 'csv' && pages > 1 ? csvHeaderBytes : undefined, lines);
      if (options.onPage) {
        const announced = manifestFromHeader(header);
        options.onPage({ page: pages, bytes, lines: lines.count, entries: 'manifest' in announced ? announced.manifest.count : 0 });
      }
      cursor = response.headers.get('x-audit-next-cursor') ?? undefined;
    } while (cursor !== undefined);
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
  let checkpointsPath: string | undefined;
  if (options.format === 'csv') {
    manifestPath = `${options.out}.manifest.json`;
    await writeFile(manifestPath, `${manifestLine(parsed.manifest)}\n`);
    // CSV has no room for checkpoints: fetch the ones the manifest names and keep them beside the file.
    if (parsed.manifest.checkpoints) {
      checkpointsPath = `${options.out}.checkpoints.jsonl`;
      await writeFile(
        checkpointsPath,
        (await fetchCheckpoints(client, options.url, parsed.manifest.checkpoints)).map((checkpoint) => `${canonicalJson(checkpoint)}\n`).join(''),
      );
    }
  }
  await rename(partial, options.out);
  return { pages, bytes, manifest: parsed.manifest, manifestPath, checkpointsPath };
}

/** Streams a response body to the file (honouring back-pressure), first dropping `skip` if given. */
async function writeBody(body: ReadableStream<Uint8Array>, file: WriteStream, skip: Buffer | undefined, lines: { count: number }): Promise<number> {
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
    for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) lines.count += 1;
    if (!file.write(data)) await once(file, 'drain');
  }
  if (pending !== undefined) throw new ExportFailed('a csv page ended inside its header row');
  return written;
}

/** Checkpoints first..last through GET /v1/audit/checkpoints, 100 a request. */
async function fetchCheckpoints(client: ReturnType<typeof createPeerguardClient>, url: string, range: { first: number; last: number }): Promise<unknown[]> {
  const found: unknown[] = [];
  for (let first = range.first; first <= range.last; first += maxCheckpointsPerRequest) {
    const last = Math.min(range.last, first + maxCheckpointsPerRequest - 1);
    let answer;
    try {
      answer = await client.raw.GET('/v1/audit/checkpoints', { params: { query: { first: String(first), last: String(last) } } });
    } catch (error) {
      throw unreachable(url, error);
    }
    if (answer.response.status !== 200 || !answer.data)
      throw new ExportFailed(`checkpoints ${first} to ${last}: HTTP ${answer.response.status}`, answer.response.status);
    found.push(...answer.data.checkpoints);
  }
  return found;
}

function problemSummary(problem: PeerguardProblem, page: number): string {
  const errors = problem.errors.map((error) => `\n  ${error.path}: ${error.message}`).join('');
  return `page ${page}: HTTP ${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}${errors}`;
}
