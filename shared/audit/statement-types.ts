/**
 * What the network signs, as distinct statement types. Every statement signed since types exist
 * carries its type in the field `statementType`, inside the canonical JSON the signature covers,
 * and a verifier is always told which type it expects: a signature over one type's statement
 * never verifies as another's, whatever the rest of the fields look like.
 *
 * Each type belongs to one key purpose, and each purpose is its own key, so the functions that
 * may sign one kind cannot sign another (in AWS, each key's policy names its functions):
 * - `alert`: submission receipts and publications (the alerts and reviews functions);
 * - `audit`: export manifests, checkpoints and seals (the audit function and the sweeper). This is
 *   the network's original key, which signed every statement made before types existed: those
 *   untyped statements still verify with it, and with no other key.
 */
export const statementTypes = ['receipt', 'publication', 'manifest', 'checkpoint', 'seal'] as const;
export type StatementType = (typeof statementTypes)[number];

/** The field every typed statement carries its type in. */
export const statementTypeField = 'statementType';

export const keyPurposes = ['audit', 'alert'] as const;
export type KeyPurpose = (typeof keyPurposes)[number];

/** The statement types each key purpose signs. */
export const typesOfPurpose: Readonly<Record<KeyPurpose, readonly StatementType[]>> = {
  alert: ['receipt', 'publication'],
  audit: ['manifest', 'checkpoint', 'seal'],
};

export const purposeOfType = (type: StatementType): KeyPurpose => (typesOfPurpose.alert.includes(type) ? 'alert' : 'audit');

/** The statement's declared type; undefined for a statement signed before types existed. */
export const declaredType = (statement: object): unknown => (statement as Record<string, unknown>)[statementTypeField];

/**
 * The first day (UTC) on which every statement the network signs carries its type. Typed
 * statements were released on 2026-12-03, during that day, so statements of that day may be
 * either; from 2026-12-04 on none is untyped. A statement without a type is accepted only when the
 * instant it was signed at (signedAtField, inside what is signed) is before this day
 * (docs/audit.md §9, "Statements signed before types").
 */
export const typedStatementsFrom = '2026-12-04';

/** The field of each statement type that holds the instant it was signed at (inside what is signed). */
export const signedAtField: Readonly<Record<StatementType, string>> = {
  receipt: 'submittedAt',
  publication: 'publishedAt',
  manifest: 'generatedAt',
  checkpoint: 'madeAt',
  seal: 'sealedAt',
};
