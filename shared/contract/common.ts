import * as z from 'zod';

/**
 * Building blocks of the contract modules: ids, dates and instants as the document describes
 * them, the problem+json body, and the example values the examples share.
 */

/** Example ids, shaped as the API hands them out. */
export const ex = {
  practiceId: 'prc_01kbz0h7yq3m5c8e2w4r6t9p1n',
  otherPracticeId: 'prc_01kbz0j2c4e6g8j0m2p4r6t8vw',
  keyId: 'key_01kbz0k5d7f9h1k3m5q7s9v1xz',
  reviewerKeyId: 'key_01kbz0m8g0j2m4p6r8t0w2y4a6',
  clauseId: 'cls_01kbz0n3h5k7n9q1s3v5x7z9b1',
  alertId: 'alt_01kbz0p6j8m0p2r4t6w8y0a2c4',
  checkId: 'chk_01kbz0q9k1n3q5s7v9x1z3b5d7',
  signingKeyId: 'local:3f6c2a9e1b7d4058',
  sha256: '6b9c1fd3b0c49e2d7f0e5a8c2d4b6a8e0f1c3d5e7a9b1c3d5e7f9a1b3c5d7e9f',
  documentSha256: '3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b',
  signature: 'MEUCIQDd9pX2Jx3Qm8mWq0z0mS5m8o0m1d3dY6r0VbM3r2x1iwIgR1cQ7u3Kq0nV6x8yT2l9w4gP5u7e3b1a9c7d5f3h1j0=',
  at: '2026-11-21T19:04:05Z',
  on: '2026-11-21',
} as const;

export const instant = z.string().meta({ format: 'date-time', description: 'An instant, ISO 8601 UTC without fractions of a second.', examples: [ex.at] });
export const day = z.string().meta({ format: 'date', description: 'A calendar date, YYYY-MM-DD (UTC).', examples: [ex.on] });
export const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .meta({ description: 'A lower-case hex SHA-256.', examples: [ex.sha256] });

/** RFC 9457 problem document: every refusal and failure of the API. */
export const problemSchema = z
  .strictObject({
    type: z
      .url()
      .meta({ description: 'What kind of problem: one of the problem types in docs/api.md.', examples: ['https://peerguard.dev/problems/validation-error'] }),
    title: z.string().meta({ description: 'A short summary of the problem type; the same for every problem of the type.' }),
    status: z.int().min(400).max(599).meta({ description: 'The HTTP status, repeated.' }),
    detail: z.string().meta({ description: 'What went wrong with this request and what to do about it. Never quotes what was sent.' }),
    instance: z.string().meta({
      description: 'This request, as `urn:request:<request id>`: quote it to the network operator.',
      examples: ['urn:request:8d1f6f5e-0c4b-4a8e-9a57-2f1d3c4b5a69'],
    }),
    errors: z
      .array(
        z.strictObject({
          path: z.string().meta({ description: 'The field, dotted (`subject.phone`, `bookings.3.ref`), a header name, or `(body)`.' }),
          message: z.string().meta({ description: 'What is wrong with it.' }),
        }),
      )
      .optional()
      .meta({ description: 'For a 400 about input: one entry per bad field.' }),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem document (`application/problem+json`).' });
