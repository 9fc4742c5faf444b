/**
 * Screening answers all have the same size, so that neither an observer of the traffic nor a log
 * of response lengths can tell a match from a no-match: each answer (and each result of a batch)
 * gets a `padding` field of spaces that brings its JSON to a whole number of `bucket` bytes.
 * Every no-match, and every match listing up to six alerts (even with every recipe on each), is
 * exactly one bucket; only a match listing more can reach a second one.
 */
export const screeningAnswerBytes = 2048;

export function padded<T extends object>(answer: T, bucket = screeningAnswerBytes): T & { padding: string } {
  const bare = Buffer.byteLength(JSON.stringify({ ...answer, padding: '' }), 'utf8');
  const target = Math.max(1, Math.ceil(bare / bucket)) * bucket;
  return { ...answer, padding: ' '.repeat(target - bare) };
}
