import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MalformedRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '#shared/errors.ts';

export const maxBodyBytes = 64 * 1024;

/**
 * Reads the JSON body of an API Gateway v2 event: at most 64 KiB, JSON only, valid UTF-8.
 * Nothing from the body is ever put in an error message.
 */
export function readJsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>): unknown {
  const bytes = readRawBody(event);
  return bytes.length === 0 ? undefined : parseJsonBytes(bytes, header(event.headers, 'content-type'));
}

/**
 * The body's bytes exactly as the caller sent them (at most 64 KiB): API Gateway hands a body it
 * treats as binary over in base64 and any other as its UTF-8 text, which encodes back to the same bytes.
 */
export function readRawBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  if (event.body === undefined || event.body === null || event.body === '') return Buffer.alloc(0);
  const bytes = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > maxBodyBytes) {
    throw new PayloadTooLargeError(`Bodies are limited to ${maxBodyBytes} bytes (64 KiB); this one has ${bytes.length}.`);
  }
  return bytes;
}

/** JSON from a body's bytes: JSON content type (or none), valid UTF-8, valid syntax. */
export function parseJsonBytes(bytes: Uint8Array, contentType: string | undefined): unknown {
  if (bytes.length === 0) return undefined;
  if (contentType !== undefined && !/^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('Send the body as JSON with "Content-Type: application/json".');
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new MalformedRequestError('The body is not valid UTF-8.');
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedRequestError('The body is not valid JSON.');
  }
}

/** The text of UTF-8 bytes, or undefined when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

export function header(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
