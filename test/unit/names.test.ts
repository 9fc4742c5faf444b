import { describe, expect, it } from 'vitest';
import { canonicalEmail } from '#shared/identifiers/normalise.ts';
import { deletionNeighbourhood, nameParts, nameWords } from '#shared/identifiers/names.ts';
import { formalGivenNames } from '#shared/identifiers/nicknames.ts';

describe('nameWords: Unicode-aware folding', () => {
  it.each([
    ['José Ålvarez', ['jose', 'alvarez']],
    ['García, José', ['jose', 'garcia']],
    ['Ｊｏｓé', ['jose']],
    ['Jo\u200Bse\u200D \uFEFFAlvarez', ['jose', 'alvarez']],
  ])('%j → %j', (raw, words) => expect(nameWords(raw)).toEqual(words));

  it('gives a Latin name typed with a Cyrillic or Greek look-alike the same words', () => {
    expect(nameWords('Ivаn Pеtrov')).toEqual(nameWords('Ivan Petrov')); // Cyrillic а and е
    expect(nameWords('Nікοla')).toEqual(nameWords('Nikola')); // Cyrillic і, Greek ο
  });

  it('removes an invisible Hangul filler', () => {
    expect(nameWords('김\u3164민준')).toEqual(nameWords('김민준'));
  });

  it('keeps the marks that make different names in Devanagari, Bengali, Thai and Japanese kana', () => {
    expect(nameWords('राहुल')).not.toEqual(nameWords('राहल')); // with and without the vowel sign ु
    expect(nameWords('অমিত')).not.toEqual(nameWords('অমত'));
    expect(nameWords('สมชาย')).not.toEqual(nameWords('สมชย'));
    expect(nameWords('かず')).not.toEqual(nameWords('かす')); // dakuten
  });
});

describe('nameParts', () => {
  it('joins particles and sorts the words: O Connor = O’Connor, order does not matter', () => {
    expect(nameParts('Sean O Connor')!.key).toBe(nameParts("O'Connor Sean")!.key);
    expect(nameParts('Anna van der Berg')!.key).toBe(nameParts('Anna Vanderberg')!.key);
  });

  it('keeps initials out of the full words, but a one-syllable Korean surname in', () => {
    expect(nameParts('Robert J. Smith')!.full).toEqual(['robert', 'smith']);
    expect(nameParts('민준 김')!.full).toEqual(['민준', '김']);
  });
});

describe('tolerant pieces', () => {
  it('deletion neighbourhoods meet for one substitution, deletion, insertion or adjacent swap', () => {
    const meet = (a: string, b: string) => deletionNeighbourhood(a).some((x) => deletionNeighbourhood(b).includes(x));
    expect(meet('johnson', 'jonson')).toBe(true);
    expect(meet('johnson', 'johnsen')).toBe(true);
    expect(meet('johnson', 'johnsson')).toBe(true);
    expect(meet('johnson', 'jonhson')).toBe(true);
    expect(meet('johnson', 'jackson')).toBe(false);
  });

  it('maps nicknames to formal given names', () => {
    expect(formalGivenNames('bob')).toContain('robert');
    expect(formalGivenNames('robert')).toEqual(['robert']);
    expect(formalGivenNames('pepe')).toContain('jose');
  });

  it('reads e-mail addresses as their providers do', () => {
    expect(canonicalEmail('J.O.Smith+spa@GoogleMail.com')).toBe('josmith@gmail.com');
    expect(canonicalEmail('jo+work@outlook.com')).toBe('jo@outlook.com');
    expect(canonicalEmail('j.o+x@example.org')).toBe('j.o+x@example.org');
    expect(canonicalEmail('Søren@Example.com')).toBe('søren@example.com');
  });
});
