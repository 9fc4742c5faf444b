import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Every answer the end-to-end suites receive is checked against docs/openapi.json: the status
 * must be one the operation documents, and the body must be valid (JSON Schema 2020-12, ajv)
 * against the schema documented for that status and content type. An answer to a request that
 * matches no operation (an unknown path, bytes that are not HTTP) must still be a valid problem
 * document. A mismatch throws, so the test that received the answer fails.
 */
const root = join(import.meta.dirname, '..', '..');

type JsonObject = Record<string, any>;

const document: JsonObject = JSON.parse(readFileSync(join(root, 'docs', 'openapi.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: 'openapi' });

const validators = new Map<string, ValidateFunction>();
function validatorFor(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) validators.set(pointer, (validate = ajv.compile({ $ref: `openapi#${pointer}` })));
  return validate;
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly responses: JsonObject;
}

const operations: Operation[] = Object.entries(document.paths as JsonObject).flatMap(([template, item]) =>
  Object.entries(item as JsonObject).map(([method, op]) => ({
    method: method.toUpperCase(),
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}|\{\w+\}/g, '[^/]+')}$`),
    responses: (op as JsonObject).responses as JsonObject,
  })),
);

export interface CheckedAnswer {
  readonly method: string;
  /** The request target: a path, with or without a query string, or a full URL. */
  readonly target: string;
  readonly status: number;
  /** The Content-Type header of the answer, if any. */
  readonly contentType: string | null | undefined;
  readonly body: string;
}

/** What is wrong with an answer by the document; empty when it is as documented. */
export function contractViolations(answer: CheckedAnswer): string[] {
  const pathname = pathOf(answer.target);
  const op =
    pathname === undefined ? undefined : operations.find((candidate) => candidate.method === answer.method.toUpperCase() && candidate.pattern.test(pathname));
  const where = op ? `${op.method} ${op.template} → ${answer.status}` : `${answer.method} ${answer.target} (no operation) → ${answer.status}`;
  if (!op) {
    // No operation was reached: whatever the server says must still be a problem document.
    if (answer.status < 400) return [`${where}: a request that reaches no operation must be refused`];
    return checkBody(where, '/components/schemas/Problem', answer, 'application/problem+json');
  }
  const pointer = `/paths/${escapePointer(op.template)}/${op.method.toLowerCase()}/responses`;
  let response = op.responses[String(answer.status)] as JsonObject | undefined;
  let responsePointer = `${pointer}/${answer.status}`;
  if (!response) return [`${where}: status ${answer.status} is not documented for this operation (documented: ${Object.keys(op.responses).join(', ')})`];
  if (typeof response.$ref === 'string') {
    responsePointer = response.$ref.slice(1);
    response = resolve(responsePointer);
  }
  const content = response.content as JsonObject | undefined;
  if (!content) return answer.body === '' ? [] : [`${where}: documented without a body, but the answer has one`];
  const mediaType = (answer.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!Object.hasOwn(content, mediaType))
    return [`${where}: Content-Type ${JSON.stringify(answer.contentType)} is not documented (documented: ${Object.keys(content).join(', ')})`];
  return checkBody(where, `${responsePointer}/content/${escapePointer(mediaType)}/schema`, answer, mediaType);
}

function checkBody(where: string, schemaPointer: string, answer: CheckedAnswer, mediaType: string): string[] {
  const actualType = (answer.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (actualType !== mediaType) return [`${where}: Content-Type ${JSON.stringify(answer.contentType)}, documented ${mediaType}`];
  let value: unknown = answer.body;
  if (/[/+]json$/.test(mediaType)) {
    try {
      value = JSON.parse(answer.body);
    } catch {
      return [`${where}: the body is not JSON`];
    }
  }
  const validate = validatorFor(schemaPointer);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (error) =>
      `${where}: body${error.instancePath} ${error.message}${error.params && 'additionalProperty' in error.params ? ` (${String(error.params.additionalProperty)})` : ''}`,
  );
}

function resolve(pointer: string): JsonObject {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<JsonObject>((node, key) => node[key] as JsonObject, document);
}

function pathOf(target: string): string | undefined {
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/** Throws when an answer is not as documented (the failing test names what differs). */
export function assertDocumented(answer: CheckedAnswer): void {
  const violations = contractViolations(answer);
  if (violations.length > 0)
    throw new Error(`The answer is not as docs/openapi.json documents it:\n  ${violations.join('\n  ')}\nbody: ${answer.body.slice(0, 500)}`);
}

/** A fetch that checks every answer against the document before handing it back (for the typed client). */
export function documentedFetch(inner: (request: Request) => Promise<Response> = (request) => fetch(request)) {
  return async (request: Request): Promise<Response> => {
    const response = await inner(request);
    const body = await response.clone().text();
    assertDocumented({ method: request.method, target: request.url, status: response.status, contentType: response.headers.get('content-type'), body });
    return response;
  };
}
