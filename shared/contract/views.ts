import * as z from 'zod';
import { tokenKinds } from '../identifiers/token-kinds.ts';
import { alertStatuses, categories, severities } from '../records.ts';
import { roles } from '../routes.ts';
import { day, ex, instant, sha256Hex } from './common.ts';
import { idOf } from './params.ts';

/**
 * The response bodies of the API, as the OpenAPI document describes them. Objects are strict
 * (additionalProperties: false): the end-to-end suites check every answer against them, so a
 * field that appears in an answer without being documented here fails a test.
 */

export const healthSchema = z.strictObject({ status: z.literal('ok') }).meta({ id: 'Health' });

export const practiceSchema = z
  .strictObject({
    practiceId: idOf('prc', 'The practice id.'),
    name: z.string(),
    region: z.string(),
    createdAt: instant,
  })
  .meta({ id: 'Practice', examples: [{ practiceId: ex.practiceId, name: 'Harbour Massage', region: 'CT', createdAt: ex.at }] });

export const createdKeySchema = z
  .strictObject({
    keyId: idOf('key', 'The key id: the handle to revoke it by.'),
    apiKey: z.string().meta({ description: 'The secret API key, shown this once: only a hash of it is stored. Send it as `Authorization: Bearer <apiKey>`.' }),
    role: z.enum(roles),
    practiceId: idOf('prc', 'The practice a practice or reviewer key belongs to.').optional(),
    label: z.string(),
  })
  .meta({ id: 'CreatedApiKey' });

export const publishedClauseSchema = z
  .strictObject({
    clauseId: idOf('cls', 'The clause id.'),
    version: z.int().min(1),
    sha256: sha256Hex.meta({ description: 'Hex SHA-256 of the clause text as UTF-8: what an alert cites as `consent.clauseSha256`.' }),
    publishedAt: instant,
  })
  .meta({ id: 'PublishedClause' });

export const clauseSchema = z
  .strictObject({
    clauseId: idOf('cls', 'The clause id.'),
    version: z.int().min(1),
    sha256: sha256Hex,
    text: z.string(),
    jurisdiction: z.string().optional(),
    publishedAt: instant,
  })
  .meta({ id: 'ConsentClause' });

export const clauseListSchema = z.strictObject({ items: z.array(clauseSchema) }).meta({ id: 'ConsentClauseList' });

const signedStatement = {
  contentSha256: sha256Hex.meta({ description: 'Hex SHA-256 of the canonical JSON of the signed statement.' }),
  signature: z.string().meta({ description: 'Base64 DER ECDSA P-256 / SHA-256 signature over the canonical statement.' }),
  keyId: z.string().meta({ description: "The network signing key's id (see GET /v1/audit/verification-key)." }),
};

const receiptFields = {
  alertId: idOf('alt', 'The alert id.'),
  submittedAt: instant,
  practiceId: idOf('prc', 'The submitting practice.'),
  ...signedStatement,
  contentSha256: sha256Hex.meta({
    description:
      "Hex HMAC-SHA-256 of the canonical JSON of the body exactly as submitted, keyed with the receipt's `contentKey` (which only the submitter received): without the key it reveals nothing about the body.",
  }),
};

export const receiptSchema = z
  .strictObject({
    ...receiptFields,
    contentSha256: receiptFields.contentSha256
      .optional()
      .meta({ description: 'The keyed digest (absent on alerts submitted before digests were keyed: their plain digest is no longer shown).' }),
    digest: z.literal('hmac-sha256').optional().meta({ description: 'How `contentSha256` was made: HMAC-SHA-256 under the content key.' }),
  })
  .meta({
    id: 'Receipt',
    description: 'Signed by the network: proves what the practice submitted and when (`npm run verify-receipt`). As others see it: without its content key.',
  });

export const issuedReceiptSchema = z
  .strictObject({
    ...receiptFields,
    digest: z.literal('hmac-sha256'),
    contentKey: z.string().meta({
      description:
        'base64url of the 32-byte key of `contentSha256`. It is in this answer only (and a replay of it): keep the receipt exactly as answered, with the body you sent.',
    }),
  })
  .meta({
    id: 'IssuedReceipt',
    description: 'The receipt as the submitting practice receives it: with the key of its digest. `npm run verify-receipt` checks it against the body.',
  });

export const publicationSchema = z.strictObject(signedStatement).meta({ id: 'Publication', description: "The network's signature over the published alert." });

export const submittedAlertSchema = z
  .strictObject({ alertId: idOf('alt', 'The new alert id.'), status: z.literal('pending_review'), receipt: issuedReceiptSchema })
  .meta({ id: 'SubmittedAlert' });

const historyActions = ['submitted', 'approved', 'rejected', 'published', 'retracted', 'disputed', 'reinstated', 'reconfirmed', 'expired'] as const;
const status = z
  .enum(alertStatuses)
  .meta({ description: 'pending_review → published | rejected; published → suspended | retracted | expired; suspended → published | retracted.' });
const category = z.enum(categories);
const severity = z.enum(severities);

const alertBase = {
  alertId: idOf('alt', 'The alert id.'),
  status,
  category,
  severity,
  submittedAt: instant,
  publishedAt: instant.optional(),
  expiresAt: instant.optional().meta({ description: 'When a published alert stops matching (renewed by a re-confirmation).' }),
};

export const submitterAlertViewSchema = z
  .strictObject({
    ...alertBase,
    reviews: z.array(z.strictObject({ decision: z.enum(['approve', 'reject']), reason: z.string(), decidedAt: instant })),
    history: z.array(
      z.strictObject({ at: instant, action: z.enum(historyActions), status, actorRole: z.enum([...roles, 'system']), reason: z.string().optional() }),
    ),
  })
  .meta({
    id: 'SubmitterAlertView',
    description: 'What the submitting practice (and a reviewer of that practice) sees: decisions and reasons, never who decided.',
  });

export const incidentSchema = z.strictObject({
  occurredOn: day,
  category,
  severity,
  actionsTaken: z.string().optional(),
  witnesses: z.int().optional(),
  summary: z.string().optional().meta({ description: 'The incident summary: only reviewers see it.' }),
});

export const consentProofSchema = z
  .strictObject({
    clauseId: idOf('cls', 'The cited clause.'),
    clauseVersion: z.int().min(1),
    clauseSha256: sha256Hex,
    signedOn: day,
    method: z.enum(['e_signature', 'wet_ink']),
    documentSha256: sha256Hex,
  })
  .meta({ id: 'ConsentProof' });

export const reviewSchema = z
  .strictObject({
    reviewerKeyId: idOf('key', 'The reviewer key.'),
    reviewerPracticeId: idOf('prc', "The reviewer's practice."),
    decision: z.enum(['approve', 'reject']),
    reason: z.string(),
    decidedAt: instant,
  })
  .meta({ id: 'Review' });

export const historyEntrySchema = z
  .strictObject({
    at: instant,
    action: z.enum(historyActions),
    status,
    actorKeyId: z.string().meta({ description: 'The key that made the move (`system` for the expiry sweep).' }),
    actorRole: z.enum([...roles, 'system']),
    reason: z.string().optional(),
  })
  .meta({ id: 'HistoryEntry' });

export const fullAlertViewSchema = z
  .strictObject({
    ...alertBase,
    practiceId: idOf('prc', 'The submitting practice.'),
    incident: incidentSchema,
    consent: consentProofSchema,
    approvals: z.int().min(0).meta({ description: 'How many practices have approved so far (two publish).' }),
    receipt: receiptSchema,
    publication: publicationSchema.optional(),
    reviews: z.array(reviewSchema),
    history: z.array(historyEntrySchema),
  })
  .meta({
    id: 'AlertView',
    description:
      "What reviewers (of other practices) and admins see. Reviewers also see the incident's free text (summary, actionsTaken) but not the reasons of disputes, reinstatements, retractions and re-confirmations; admins see every reason but not the incident's free text.",
  });

export const reviewerAlertViewSchema = z
  .strictObject({
    ...alertBase,
    incident: incidentSchema,
    consent: consentProofSchema,
    approvals: z.int().min(0).meta({ description: 'How many practices have approved so far (two publish).' }),
    reviews: z.array(
      z.strictObject({
        reviewer: z.string().meta({ description: 'A label stable for this alert: "Reviewer A" decided first, "Reviewer B" next.', examples: ['Reviewer A'] }),
        mine: z.boolean().meta({ description: "True for the caller's own decision." }),
        decision: z.enum(['approve', 'reject']),
        reason: z.string(),
        decidedAt: instant,
      }),
    ),
    history: z.array(
      z.strictObject({
        at: instant,
        action: z.enum(historyActions),
        status,
        actorRole: z.enum([...roles, 'system']),
        actor: z.string().meta({ description: 'A reviewer\'s label, or "Submitting practice", "Network administrator", "Network".' }),
        mine: z.boolean(),
        reason: z.string().optional().meta({ description: "Reviewers' moves only." }),
      }),
    ),
  })
  .meta({
    id: 'ReviewerAlertView',
    description:
      'What a reviewer of another practice sees: the incident with its summary, the consent proof and the decisions, never the reporting practice nor who the other reviewers are.',
  });

export const anyAlertViewSchema = z.union([fullAlertViewSchema, reviewerAlertViewSchema, submitterAlertViewSchema]).meta({ id: 'AnyAlertView' });

export const alertListSchema = z
  .strictObject({
    items: z.array(z.union([fullAlertViewSchema, submitterAlertViewSchema])),
    nextCursor: z.string().optional().meta({ description: 'Send it as `cursor` for the next page; absent on the last page.' }),
  })
  .meta({ id: 'AlertList' });

export const decidedListSchema = z.strictObject({ items: z.array(reviewerAlertViewSchema) }).meta({ id: 'DecidedAlerts' });

export const whoAmISchema = z
  .strictObject({
    keyId: idOf('key', 'This key.'),
    role: z.enum(roles),
    practiceId: idOf('prc', 'The practice of a practice or reviewer key.').optional(),
    practiceName: z.string().optional(),
    label: z.string(),
  })
  .meta({ id: 'WhoAmI' });

export const practiceListSchema = z.strictObject({ items: z.array(practiceSchema) }).meta({ id: 'PracticeList' });

export const keyListSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        keyId: idOf('key', 'The key id.'),
        role: z.enum(roles),
        practiceId: idOf('prc', 'The practice of a practice or reviewer key.').optional(),
        label: z.string(),
        createdAt: instant,
        revokedAt: instant.optional(),
      }),
    ),
  })
  .meta({ id: 'ApiKeyList', description: 'Never a secret nor its hash.' });

const noticeBase = { practiceId: idOf('prc', 'The practice concerned.'), at: instant };
export const overviewSchema = z
  .strictObject({
    alertsByStatus: z.strictObject(Object.fromEntries(alertStatuses.map((s) => [s, z.int()])) as Record<(typeof alertStatuses)[number], z.ZodInt>),
    checksPerDay: z
      .array(z.strictObject({ day, checks: z.int().min(0), matches: z.int().min(0) }))
      .meta({ description: 'The last 14 UTC days, oldest first, today last.' }),
    notices: z
      .array(
        z.union([
          z.strictObject({ type: z.literal('screening.quota_exceeded'), ...noticeBase, window: z.enum(['minute', 'day']), limit: z.int() }),
          z.strictObject({
            type: z
              .literal('screening.possible_enumeration')
              .meta({ description: 'The practice spent its guess budget for the day and is slowed down (docs/abuse-limits.md).' }),
            ...noticeBase,
            budget: z.int().meta({ description: 'Bookings per UTC day that may find no strong match (`GUESSES_PER_DAY`).' }),
            day,
            slowedUntil: instant,
          }),
          z
            .strictObject({ type: z.literal('screening.possible_enumeration'), ...noticeBase, nameOnlyNoMatch: z.int(), windowStart: instant })
            .meta({ description: 'An enumeration notice from before the guess budget (kept 90 days): name-only misses in the hour from `windowStart`.' }),
          z.strictObject({
            type: z.literal('audit.subject_tokens').meta({ description: "An auditor key computed a subject's tokens: every lookup is heard." }),
            keyId: idOf('key', 'The auditor key.'),
            lookupsToday: z.int().min(1),
            limit: z.int(),
            at: instant,
          }),
          z.strictObject({
            type: z.literal('governance.practice_created'),
            ...noticeBase,
            byKeyId: z.string().meta({ description: 'The admin key that registered it.' }),
          }),
          z.strictObject({
            type: z.literal('governance.key_created'),
            keyId: idOf('key', 'The new key.'),
            role: z.enum(roles),
            practiceId: idOf('prc', 'The practice of a practice or reviewer key.').optional(),
            byKeyId: z
              .string()
              .meta({ description: 'The admin key that created it, or `system:admin-cli` for a key made with `npm run admin -- create-key`.' }),
            at: instant,
          }),
        ]),
      )
      .meta({ description: 'The latest 50 security notices, newest first.' }),
  })
  .meta({ id: 'NetworkOverview' });

export const reviewQueueSchema = z
  .strictObject({
    items: z.array(
      z.strictObject({
        alertId: idOf('alt', 'The alert id.'),
        category,
        severity,
        incident: incidentSchema,
        consent: consentProofSchema,
        submittedAt: instant,
        approvals: z.int().min(0),
      }),
    ),
  })
  .meta({ id: 'ReviewQueue' });

const tokenKind = z.enum(tokenKinds).meta({
  description:
    'A token recipe (docs/matching.md): `phone`, `email` and `name_dob` identify one person (strong); `pair_dob`, `nickname_dob`, `phonetic_dob`, `edit_dob` (a near name with the date of birth), `dob_variant` (the name with a near date of birth) and `name` (the name alone) are tolerant (possible).',
});
const tier = z.enum(['strong', 'possible']);
/** The fields of a check's answer, for the answers that carry one per booking or attendee. */
export const noMatch = { checkId: idOf('chk', 'The check id (it names the audit entry).'), result: z.literal('no_match') };
export const match = {
  checkId: idOf('chk', 'The check id (it names the audit entry).'),
  result: z.literal('match'),
  confidence: tier.meta({
    description:
      "`strong`: an exact phone, e-mail, or full name with date of birth matched. `possible`: only a tolerant recipe matched (a nickname, a typing error, a missing middle name, a date of birth one digit apart, the name alone). The best of the alerts' own confidences.",
  }),
  matchedOn: z.array(tokenKind).meta({ description: 'Every recipe that found one of the alerts, strongest first.' }),
  alerts: z
    .array(
      z.strictObject({
        category,
        severity,
        publishedOn: day,
        confidence: tier.meta({ description: 'How sure the match to this alert is.' }),
        matchedOn: z.array(tokenKind).meta({ description: 'The recipes that found this alert.' }),
      }),
    )
    .meta({ description: "The matched person's alerts, strong matches first, then the most severe." }),
  reportingPractices: z.int().min(1).meta({ description: 'How many practices reported; never which.' }),
  guidance: z.string().meta({ description: 'What the front desk should do next.' }),
};

/** Screening answers are padded to one size, so a match and a no-match cannot be told apart by their length (docs/abuse-limits.md). */
const padding = {
  padding: z.string().regex(/^ *$/).optional().meta({
    description:
      'Spaces that bring each answer (each result of a batch) to a whole number of 2,048 bytes, so that its size does not tell a match from a no-match. Ignore it.',
  }),
};

export const checkResultSchema = z
  .discriminatedUnion('result', [
    z.strictObject({ ...noMatch, ...padding }).meta({ id: 'NoMatch' }),
    z.strictObject({ ...match, ...padding }).meta({ id: 'Match' }),
  ])
  .meta({ id: 'CheckResult' });

export const batchResultSchema = z
  .strictObject({
    results: z.array(
      z.discriminatedUnion('result', [z.strictObject({ ref: z.string(), ...noMatch, ...padding }), z.strictObject({ ref: z.string(), ...match, ...padding })]),
    ),
  })
  .meta({ id: 'BatchCheckResults' });

export const verificationKeySchema = z
  .strictObject({ keyId: z.string(), algorithm: z.literal('ECDSA_SHA_256'), publicKeyPem: z.string().meta({ description: 'The P-256 public key, SPKI PEM.' }) })
  .meta({ id: 'VerificationKey' });

const chainHeadView = z
  .strictObject({ chain: z.string(), seq: z.number().int(), hash: z.string(), at: z.string() })
  .meta({ id: 'ChainHead', description: "One chain's head: a leaf of the checkpoint's Merkle tree (its canonical JSON)." });

export const checkpointSchema = z
  .strictObject({
    type: z.literal('peerguard.audit.checkpoint.v1'),
    number: z.number().int().meta({ description: '1, 2, 3, … with no gaps.' }),
    prevHash: z.string().meta({ description: "SHA-256 of the previous checkpoint's canonical JSON (64 zeros for checkpoint 1)." }),
    madeAt: z.string(),
    treeSize: z.number().int(),
    rootHash: z.string().meta({ description: 'RFC 6962 Merkle tree head over the heads, sorted by chain.' }),
    heads: z.array(chainHeadView),
    keyId: z.string(),
    signature: z.string().meta({ description: 'ECDSA P-256 / SHA-256 (DER, base64) over the canonical JSON of every other field.' }),
  })
  .meta({ id: 'AuditCheckpoint' });

export const checkpointsResultSchema = z
  .strictObject({
    checkpoints: z.array(checkpointSchema),
    latest: z.number().int().nullable().meta({ description: 'The number of the latest checkpoint (null before the first).' }),
  })
  .meta({ id: 'AuditCheckpoints' });

export const checkpointResultSchema = z.strictObject({ checkpoint: checkpointSchema }).meta({ id: 'AuditCheckpointMade' });

export const subjectTokensResultSchema = z
  .strictObject({
    tokens: z.array(z.strictObject({ kind: tokenKind, token: z.string().meta({ description: 'base64url HMAC-SHA256.' }), keyVersion: z.string() })),
  })
  .meta({ id: 'SubjectTokens' });
