import { describe, expect, it } from 'vitest';
import { calcomAnswerSchema, calcomIntegrationViewSchema, integrationsContract } from '#shared/contract/integrations.ts';
import { calcomDeliveryDocSchema, parseCalcomDelivery } from '#shared/integrations/calcom-payload.ts';
import { calcomIntegrationSchema } from '#shared/schemas.ts';
import { calcomDelivery } from '../support/calcom.ts';

/**
 * The integration routes' entries in the contract: every example is valid under the schema it
 * illustrates, and the document's description of a delivery agrees with what is parsed.
 */
const routes = integrationsContract.routes;

describe('the Cal.com routes in the contract', () => {
  it('PUT examples are valid integration settings', () => {
    for (const { value } of Object.values(routes['PUT /v1/practices/{practiceId}/integrations/calcom'].examples)) {
      expect(calcomIntegrationSchema.safeParse(value).success).toBe(true);
    }
  });

  it('answer examples are valid under their response schemas', () => {
    for (const key of ['PUT /v1/practices/{practiceId}/integrations/calcom', 'GET /v1/practices/{practiceId}/integrations/calcom'] as const) {
      for (const { value } of Object.values(routes[key].responses[200].examples)) expect(calcomIntegrationViewSchema.parse(value)).toEqual(value);
    }
    for (const { value } of Object.values(routes['POST /v1/integrations/calcom/{practiceId}'].responses[200].examples)) {
      expect(calcomAnswerSchema.parse(value)).toEqual(value);
    }
  });

  it("the delivery example, and Cal.com's own example, are deliveries as documented and as parsed", () => {
    for (const delivery of [
      routes['POST /v1/integrations/calcom/{practiceId}'].examples.requested.value,
      calcomDelivery(),
      calcomDelivery({ triggerEvent: 'BOOKING_REQUESTED' }),
    ]) {
      expect(calcomDeliveryDocSchema.safeParse(delivery).success).toBe(true);
      expect(parseCalcomDelivery(delivery).booking).toBeDefined();
    }
  });

  it('an answer that echoed an identifier would not be one the document allows', () => {
    const answer = {
      triggerEvent: 'BOOKING_CREATED',
      screened: true,
      result: 'no_match',
      attendees: [{ attendee: 1, checkId: 'chk_01kbz0q9k1n3q5s7v9x1z3b5d7', result: 'no_match', email: 'x@example.org' }],
      bookingAction: 'none',
    };
    expect(calcomAnswerSchema.safeParse(answer).success).toBe(false);
  });
});
