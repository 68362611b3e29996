/**
 * Checks and normalises a question before it is routed or asked: what a person typed or pasted (control characters,
 * curly quotes, a whole document) becomes either one clean line or a clear reason why it cannot be asked.
 */

/** The longest question the app sends to a model (the API's limit too). */
export const MAX_QUESTION_CHARS = 2000;

export type QuestionCheck = { ok: true; question: string } | { ok: false; message: string };

// Control characters (C0 and C1, except tab/newline which become spaces) and zero-width formatting marks.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

export function checkQuestion(raw: string): QuestionCheck {
  const question = raw.normalize('NFC').replace(CONTROL, '').replace(/\s+/g, ' ').trim();
  if (question === '') {
    return { ok: false, message: raw.trim() === '' ? 'Type a question first.' : 'The question has no readable characters.' };
  }
  if (question.length > MAX_QUESTION_CHARS) {
    return {
      ok: false,
      message: `A question can be at most ${MAX_QUESTION_CHARS.toLocaleString('en')} characters; this one has ${question.length.toLocaleString('en')}.`,
    };
  }
  return { ok: true, question };
}

/** Lower case, plain apostrophes, contractions spelled out, punctuation as spaces: what the router's patterns read. */
export function normaliseForRouting(question: string): string {
  return ` ${question
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/\bwhat's\b/g, 'what is')
    .replace(/\bwho's\b/g, 'who is')
    .replace(/\bhow's\b/g, 'how is')
    .replace(/\bit's\b/g, 'it is')
    .replace(/\bthat's\b/g, 'that is')
    .replace(/\bthere's\b/g, 'there is')
    .replace(/\bisn't\b/g, 'is not')
    .replace(/\bdoesn't\b/g, 'does not')
    .replace(/\baren't\b/g, 'are not')
    .replace(/-/g, ' ')
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
}

/** Share of the letters that are Latin: a question in another script gets its own answer from the router. */
export function latinShare(question: string): number {
  const letters = question.match(/\p{L}/gu) ?? [];
  if (letters.length === 0) return 1;
  return letters.filter((c) => /\p{Script=Latin}/u.test(c)).length / letters.length;
}
