import * as z from 'zod';
import { ex } from './common.ts';
import { defineContract } from './define.ts';
import { auditRequests } from './requests/audit.ts';
import { checkpointResultSchema, checkpointsResultSchema, subjectTokensResultSchema, verificationKeySchema } from './views.ts';

const exportLine = '{"seq":1,"at":"2026-11-02T08:00:00Z","action":"practice.created","prevHash":"…","hash":"…",…}';

/** Audit (auditor): the paged signed export, the verification key, and a subject's tokens. */
export const auditContract = defineContract(auditRequests, {
  'GET /v1/audit/export': {
    operationId: 'exportAudit',
    summary: 'Export the audit log',
    description: [
      'The audit entries of a date range, in order, one page per request, with a manifest signed by the network (entry count, first and last sequence, the hash of the chain head, signature, signing key id). ',
      'Each entry carries the hash of the one before it, so a removed, reordered or edited entry is detected by the offline verifier (`npm run verify-export`).\n\n',
      '**Paging**: while entries remain, a page carries `Link: <…>; rel="next"` and `X-Audit-Next-Cursor`; ask for the next page with the same from, to and format and that cursor, until a page comes without them. ',
      'The first request fixes the range, signs its manifest and records the export in the audit log; the following pages neither sign nor audit again. A cursor only works for the key that started the export.\n\n',
      '`jsonl`: one entry per line, and on the last page a last line of type `manifest`. `csv`: a header row, then one entry per row. Every page carries the manifest in `X-Audit-Manifest` and its signature in `X-Audit-Signature`.',
    ].join(''),
    tags: ['Audit'],
    responses: {
      200: {
        description: 'One page of the export.',
        content: {
          'application/x-ndjson': {
            schema: z.string().meta({ description: 'JSON lines: audit entries, and on the last page the manifest line.' }),
            example: `${exportLine}\n`,
          },
          'text/csv': {
            schema: z.string().meta({ description: 'CSV with a header row.' }),
            example: 'seq,at,action,…\n1,2026-11-02T08:00:00Z,practice.created,…\n',
          },
        },
        headers: {
          'X-Audit-Manifest': { description: "base64url of the manifest's canonical JSON, signature included.", schema: z.string(), required: true },
          'X-Audit-Signature': { description: 'The manifest signature (base64 DER ECDSA P-256 / SHA-256).', schema: z.string(), required: true },
          'X-Audit-Next-Cursor': { description: "The next page's cursor; absent on the last page.", schema: z.string() },
          Link: { description: 'The next page, as `</v1/audit/export?…>; rel="next"`; absent on the last page.', schema: z.string() },
        },
      },
    },
  },
  'GET /v1/audit/verification-key': {
    operationId: 'getVerificationKey',
    summary: "The network's signature verification key",
    description: 'The public key that verifies receipts, publications and export manifests, for the offline verifiers.',
    tags: ['Audit'],
    responses: {
      200: {
        description: 'The public key.',
        schema: verificationKeySchema,
        examples: {
          key: {
            summary: 'A P-256 key',
            value: {
              keyId: ex.signingKeyId,
              algorithm: 'ECDSA_SHA_256',
              publicKeyPem:
                '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq9mW0cL1Tz0u0x4Kf1Z1vV0tq3Qm9Hkq7sE3b2WbX7mYvF1m6cQ9pZ8n4mJ1tR5wq2XkP3yL0aB6vN8sD4eG2w==\n-----END PUBLIC KEY-----\n',
            },
          },
        },
      },
    },
  },
  'POST /v1/audit/subject-tokens': {
    operationId: 'getSubjectTokens',
    summary: "A subject's tokens",
    description:
      "The tokens of a subject, so counsel can search an export's check entries for them (`npm run verify-export -- … --find-token`, which matches each booking's per-check `tokenDigests`); during a key rotation, the tokens under the current and the replaced keys. Metered: `SUBJECT_TOKEN_LOOKUPS_PER_DAY` (20 by default) per key per UTC day. Each lookup is audited with the tokens it returned, so counsel's own searches are on the record, and tells the security topic. The identifiers are used for the MACs and dropped.",
    tags: ['Audit'],
    examples: { subject: { summary: 'By phone and e-mail', value: { subject: { phone: '+1 860 555 0100', email: 'jq@example.org' } } } },
    responses: {
      200: {
        description: 'The tokens, one per kind of identifier (and per key version).',
        schema: subjectTokensResultSchema,
        examples: {
          tokens: {
            summary: 'Two tokens',
            value: {
              tokens: [
                { kind: 'phone', token: 'p3P0mVb2m3eJ8kq6a7V0y1QnXc4s5r6T7u8w9x0y1z2', keyVersion: 'k1' },
                { kind: 'email', token: 'Qx7n2Lr5t8y1u4i7o0p3a6s9d2f5g8h1j4k7l0z3x6c', keyVersion: 'k1' },
              ],
            },
          },
        },
      },
    },
    errors: {
      429: 'This key has made its daily number of lookups (`SUBJECT_TOKEN_LOOKUPS_PER_DAY`); retry after `Retry-After` seconds (the next UTC midnight).',
    },
  },
  'GET /v1/audit/checkpoints': {
    operationId: 'listAuditCheckpoints',
    summary: 'Signed checkpoints of the audit chains',
    description:
      "Checkpoints first..last (at most 100 a request), or the latest one when neither is given. A checkpoint is every audit chain's head (chain, seq, hash, at) with the RFC 6962 Merkle tree head over them, numbered and linked to the one before, signed with the network's key. An export's manifest names the checkpoints it needs (`checkpoints.first` to `checkpoints.last`): a jsonl export carries them, and a CSV export's are fetched here (`peerguard export` does it) and given to the verifier with `--checkpoints`.",
    tags: ['Audit'],
    responses: { 200: { description: 'The checkpoints asked for that exist, in order.', schema: checkpointsResultSchema } },
  },
  'POST /v1/audit/checkpoints': {
    operationId: 'makeAuditCheckpoint',
    summary: 'Make a checkpoint now',
    description:
      'Makes, signs and stores a checkpoint of every chain head now (the sweep makes one every 15 minutes when a chain moved). Refused with a 503 when another checkpoint is being made at the same moment; fails (500, and nothing is signed) when a chain head is behind the latest checkpoint, which means entries were removed.',
    tags: ['Audit'],
    responses: { 201: { description: 'The new checkpoint.', schema: checkpointResultSchema } },
  },
});
