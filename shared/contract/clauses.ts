import { ex } from './common.ts';
import { defineContract } from './define.ts';
import { clausesRequests } from './requests/clauses.ts';
import { clauseListSchema, publishedClauseSchema } from './views.ts';

const clauseText = 'I authorise this practice to tell other participating professionals whether it would be willing to work with me again.';
const published = { clauseId: ex.clauseId, version: 1, sha256: ex.sha256, publishedAt: ex.at };

/** Consent clauses: the admin publishes the text (and new versions); every role reads them. */
export const clausesContract = defineContract(clausesRequests, {
  'POST /v1/consent-clauses': {
    operationId: 'publishClause',
    summary: 'Publish a consent clause',
    description:
      'Publishes the exact clause text practices put in their intake paperwork, by which a client authorises the practice to tell other participating professionals whether it would work with them again. ' +
      'The answer carries the `sha256` of the text (hex SHA-256 of its UTF-8 bytes), which an alert cites with the clause id and version.',
    tags: ['Consent clauses'],
    examples: { clause: { summary: 'A clause', value: { text: clauseText, jurisdiction: 'US-CT' } } },
    responses: {
      201: { description: 'Version 1 of a new clause.', schema: publishedClauseSchema, examples: { published: { summary: 'Published', value: published } } },
    },
  },
  'POST /v1/consent-clauses/{clauseId}/versions': {
    operationId: 'publishClauseVersion',
    summary: 'Publish a new version of a clause',
    description: 'Publishes new text under an existing clause id as its next version. Alerts citing older versions stay valid.',
    tags: ['Consent clauses'],
    examples: { clause: { summary: 'Revised text', value: { text: `${clauseText} This applies to every practice in the network.`, jurisdiction: 'US-CT' } } },
    responses: {
      201: {
        description: 'The new version.',
        schema: publishedClauseSchema,
        examples: { published: { summary: 'Version 2', value: { ...published, version: 2 } } },
      },
    },
    errors: { 404: 'No consent clause has this id.' },
  },
  'GET /v1/consent-clauses': {
    operationId: 'listClauses',
    summary: 'List consent clauses',
    description:
      'Every published version of every clause, with its text: what a practice prints in its intake paperwork and cites in an alert. Any role may read it.',
    tags: ['Consent clauses'],
    responses: {
      200: {
        description: 'The clauses, each version an item.',
        schema: clauseListSchema,
        examples: { clauses: { summary: 'One clause', value: { items: [{ ...published, text: clauseText, jurisdiction: 'US-CT' }] } } },
      },
    },
  },
});
