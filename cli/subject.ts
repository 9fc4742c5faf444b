/**
 * A client's identifiers for `check` and `audit tokens`: from --name/--dob/--phone/--email,
 * or from a file or stdin (--subject-file FILE, or - for stdin) so they need not sit in shell
 * history. The file is JSON (`{"name": …, "dob": …, "phone": …, "email": …}`; fullName and
 * dateOfBirth are accepted too) or one `field: value` per line. Nothing read is ever repeated
 * in an error.
 */
import { stringOption, UsageError, type OptionSpecs, type OptionValues } from './args.ts';
import { fieldNames, type SubjectFields } from './bookings.ts';
import type { Io } from './command.ts';
import { readInput } from './files.ts';

export const subjectOptions: OptionSpecs = {
  name: { type: 'string', value: 'NAME', description: "the client's full name" },
  dob: { type: 'string', value: 'YYYY-MM-DD', description: "the client's date of birth" },
  phone: { type: 'string', value: 'PHONE', description: 'a phone number, any format' },
  email: { type: 'string', value: 'EMAIL', description: 'an e-mail address' },
  'subject-file': {
    type: 'string',
    value: 'FILE',
    description: 'read the identifiers from FILE, or - for stdin (JSON, or "field: value" lines), instead of the flags',
  },
};

const field = (name: string): keyof SubjectFields | undefined =>
  fieldNames[
    name
      .trim()
      .toLowerCase()
      .replace(/[\s_-]/g, '')
  ];

export async function readSubject(values: OptionValues, io: Io): Promise<SubjectFields> {
  const fromFlags: SubjectFields = {};
  for (const flag of ['name', 'dob', 'phone', 'email'] as const) {
    const value = stringOption(values, flag);
    if (value !== undefined && value.trim() !== '') fromFlags[field(flag)!] = value.trim();
  }
  const file = stringOption(values, 'subject-file');
  if (file !== undefined) {
    if (Object.keys(fromFlags).length > 0) throw new UsageError('Give the identifiers either as flags or with --subject-file, not both.');
    return parseSubject(await readInput(io, file, 'the subject file', 'the identifiers, one "field: value" a line (name, dob, phone, email)'));
  }
  if (Object.keys(fromFlags).length === 0) throw new UsageError('Give at least one of --name, --dob, --phone, --email, or --subject-file FILE (- for stdin).');
  return fromFlags;
}

/** Parses a subject file: a JSON object, or `field: value` / `field=value` lines. */
export function parseSubject(text: string): SubjectFields {
  const subject: SubjectFields = {};
  const set = (name: string, value: unknown, where: string) => {
    const key = field(name);
    if (!key) throw new UsageError(`The subject file's ${where} is not one of name, dob, phone, email.`);
    if (typeof value !== 'string') throw new UsageError(`The subject file's ${key} must be text.`);
    if (value.trim() !== '') subject[key] = value.trim();
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new UsageError('The subject file starts with { but is not valid JSON.');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('The subject file must hold one JSON object.');
    Object.entries(parsed).forEach(([name, value], i) => set(name, value, `field ${i + 1}`));
  } else {
    trimmed.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '' || line.trim().startsWith('#')) return;
      const match = /^\s*([A-Za-z_ -]+?)\s*[:=]\s*(.*)$/.exec(line);
      if (!match) throw new UsageError(`Line ${i + 1} of the subject file is not "field: value".`);
      set(match[1]!, match[2]!, `line ${i + 1}`);
    });
  }
  if (Object.keys(subject).length === 0) throw new UsageError('The subject file holds no identifiers.');
  return subject;
}
