import * as z from 'zod';
import type { IdKind } from '../ids.ts';

/** Path parameters: ids as this API hands them out. */

/** A resource id of one kind; a path parameter that is not one is a 404 (no such resource). */
export const idOf = (kind: IdKind, description: string) =>
  z
    .string()
    .regex(new RegExp(`^${kind}_[0-9a-z]{26}$`), 'must be an id as returned by this API')
    .meta({ description });

/** The path parameter of every route under /v1/alerts/{alertId}. */
export const alertParams = z.strictObject({ alertId: idOf('alt', 'The alert id.') });
