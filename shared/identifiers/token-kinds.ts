/**
 * The token recipes by name, and which of them identify one person. A module of its own, with no
 * imports, so that the contract and the audit code can name recipes without bundling the
 * matching code (recipes.ts explains each recipe).
 */
export const tokenKinds = ['phone', 'email', 'name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant', 'name'] as const;
export type TokenKind = (typeof tokenKinds)[number];

/** Recipes that identify one person: a match on them is `strong`; every other recipe is `possible` at most. */
export const strongKinds: ReadonlySet<TokenKind> = new Set(['phone', 'email', 'name_dob']);

/** The exact recipes, whose tokens a check's audit entry keeps (for counsel's "was this person checked" search). */
export const auditedKinds: ReadonlySet<TokenKind> = new Set(['phone', 'email', 'name_dob', 'name']);

/** Recipes anchored on the date of birth: a match on one says the booking's date of birth is the alert's. */
export const dobAnchoredKinds: ReadonlySet<TokenKind> = new Set(['name_dob', 'pair_dob', 'nickname_dob', 'phonetic_dob', 'edit_dob', 'dob_variant']);
