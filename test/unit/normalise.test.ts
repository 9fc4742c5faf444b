import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseEmail, normaliseName, normalisePhone } from '#shared/identifiers/normalise.ts';

describe('normalisePhone', () => {
  it.each(['(860) 555-0100', '860.555.0100', '+1 860 555 0100', '860-555-0100', '+1 (860) 555-0100'])('%s is +18605550100 in region US', (raw) => {
    expect(normalisePhone(raw, 'US')).toBe('+18605550100');
  });

  it.each(['', '123', 'not a phone', '+1 555 0100', '000-000-0000', '+1 860 555 0100 0100 99'])('%j is not a phone number', (raw) => {
    expect(normalisePhone(raw, 'US')).toBeUndefined();
  });

  it('reads a national number in the default region', () => {
    expect(normalisePhone('020 7946 0018', 'GB')).toBe('+442079460018');
    expect(normalisePhone('020 7946 0018', 'US')).toBeUndefined();
    expect(normalisePhone('(860) 555-0100', 'GB')).toBeUndefined();
  });

  it('reads an international number the same in any region', () => {
    expect(normalisePhone('+44 20 7946 0018', 'US')).toBe('+442079460018');
    expect(normalisePhone('+1 860 555 0100', 'GB')).toBe('+18605550100');
  });

  it('drops an extension', () => {
    expect(normalisePhone('860-555-0100 ext. 12', 'US')).toBe('+18605550100');
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail('  Zeb.Quixley@Example.ORG \t')).toBe('zeb.quixley@example.org');
    expect(normaliseEmail('a@b.co')).toBe('a@b.co');
    // é precomposed (U+00E9) and e + combining acute (U+0301) are one address.
    expect(normaliseEmail('jos\u00e9@example.org')).toBe(normaliseEmail('jose\u0301@Example.org'));
  });
});

describe('normaliseName', () => {
  it('drops the Catalan middle dot, alone or inside Ŀ', () => {
    expect(normaliseName('Col·lado')).toBe('collado');
    expect(normaliseName('CO\u013FLADO')).toBe('collado');
  });

  it.each([
    ['José Ålvarez', 'jose alvarez'],
    ['JOSÉ  ÅLVAREZ', 'jose alvarez'],
    ['Straße', 'strasse'],
    ['STRAẞE', 'strasse'],
    ['Æsa Cœur', 'aesa coeur'],
    ['Søren Łukasz', 'soren lukasz'],
    ['ﬁnn ﬂoyd', 'finn floyd'], // ligatures
    ['Ｊｏｓé Ｌｕｉｓ', 'jose luis'], // fullwidth
    ['Jose\u0301 A\u030alvarez', 'jose alvarez'], // combining acute and ring
    ['Jo\u200Bse\u200D Al\uFEFFvarez', 'jose alvarez'], // zero-width space, joiner, BOM
    ['\u200FJose\u200E \u202BAlvarez\u202C', 'jose alvarez'], // RTL and LTR marks and embeddings
    ['Mary-Jane', 'mary jane'],
    ['Mary – Jane', 'mary jane'],
    ["O'Brien", 'obrien'],
    ['O’Brien', 'obrien'],
    ['  Anne,\tMarie.  ', 'anne marie'],
    ['Дмитрий Ёлкин', 'дмитрии елкин'], // й and ё decompose to и and е with a mark
    ['!!!', ''],
  ])('%j is %j', (raw, folded) => {
    expect(normaliseName(raw)).toBe(folded);
  });

  it('treats differently typed spellings of one name alike', () => {
    expect(normaliseName('José Ålvarez')).toBe(normaliseName('jose alvarez'));
    expect(normaliseName('Mary-Jane')).toBe(normaliseName('Mary Jane'));
    expect(normaliseName("O'Brien")).toBe(normaliseName('OBrien'));
  });

  it('keeps different names apart', () => {
    expect(normaliseName('Jose Alvarez')).not.toBe(normaliseName('Josef Alvarez'));
    expect(normaliseName('Maryjane')).not.toBe(normaliseName('Mary Jane'));
  });
});

describe('normaliseName properties', () => {
  const anyText = fc.string({ unit: 'grapheme', maxLength: 30 });

  it('is idempotent', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const once = normaliseName(raw);
        expect(normaliseName(once)).toBe(once);
      }),
    );
  });

  it('outputs only letters, digits and single inner spaces', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const out = normaliseName(raw);
        expect(out).toMatch(/^[\p{L}\p{N} ]*$/u);
        expect(out).not.toMatch(/^ | $| {2}/);
      }),
    );
  });

  // A name as the first desk typed it, then typed again with case changes, accents and spacing.
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = fc.string({ unit: fc.constantFrom(...letters), minLength: 1, maxLength: 10 });
  const name = fc.array(word, { minLength: 1, maxLength: 4 });
  const combiningMark = fc.integer({ min: 0x300, max: 0x36f }).map((code) => String.fromCodePoint(code));
  const invisible = fc.constantFrom('', '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u2060', '\uFEFF');
  const gap = fc.constantFrom(' ', '  ', '\t', '\u00A0', ' \n ', '\u3000');

  const retyped = (words: string[]) =>
    fc
      .tuple(
        fc.array(fc.tuple(fc.boolean(), fc.option(combiningMark, { nil: '' }), invisible), { minLength: 60, maxLength: 60 }),
        fc.array(gap, { minLength: 6, maxLength: 6 }),
      )
      .map(([perChar, gaps]) => {
        let i = 0;
        const typed = words.map((w) =>
          [...w]
            .map((char) => {
              const [upper, mark, hidden] = perChar[i++ % perChar.length]!;
              return (upper ? char.toUpperCase() : char) + mark + hidden;
            })
            .join(''),
        );
        return gaps[0] + typed.map((w, j) => w + (j < typed.length - 1 ? gaps[(j + 1) % gaps.length] : '')).join('') + gaps[5];
      });

  it('ignores case, accents, invisible marks and extra whitespace', () => {
    fc.assert(
      fc.property(
        name.chain((words) => fc.tuple(fc.constant(words), retyped(words))),
        ([words, typed]) => {
          expect(normaliseName(typed)).toBe(words.join(' '));
        },
      ),
    );
  });
});
