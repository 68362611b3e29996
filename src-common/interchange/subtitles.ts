import type { Annotation } from './tiers';

function clock(seconds: number, fraction: ',' | '.'): string {
  const total = Math.max(0, Math.round(seconds * 1000));
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60000) % 60;
  const h = Math.floor(total / 3600000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}${fraction}${String(ms).padStart(3, '0')}`;
}

/** A cue's lines: a blank line would end the cue early, so blank lines inside a text are dropped. */
const cueLines = (s: string) => s.split(/\r\n|\r|\n/).filter((line) => line.trim() !== '');

interface Cue {
  start: number;
  end: number;
  lines: string[];
}

/** Answers as cues, in time order: the question on the first line, the answer below ("(empty answer)" if none). */
function cues(annotation: Annotation, answerTierPrefix: string): Cue[] {
  const list: Cue[] = [];
  for (const tier of annotation.tiers) {
    if (!tier.name.startsWith(answerTierPrefix)) continue;
    const question = tier.name.slice(answerTierPrefix.length).replace(/\s#\d+$/, '');
    for (const item of tier.items) {
      const answer = cueLines(item.text);
      list.push({ start: item.start, end: item.end, lines: [question, ...(answer.length ? answer : ['(empty answer)'])] });
    }
  }
  return list.sort((a, b) => a.start - b.start || a.end - b.end);
}

export function writeSrt(annotation: Annotation, answerTierPrefix: string): string {
  return cues(annotation, answerTierPrefix)
    .map((cue, i) => `${i + 1}\n${clock(cue.start, ',')} --> ${clock(cue.end, ',')}\n${cue.lines.join('\n')}\n`)
    .join('\n');
}

/** WebVTT cue text is HTML-like: &, < and > are escaped (which also keeps "-->" out of a cue). */
const vttText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `notes` become NOTE blocks at the top (provenance); "-->" cannot appear in a NOTE, so it is broken up. */
export function writeVtt(annotation: Annotation, answerTierPrefix: string, notes: string[] = []): string {
  const blocks = ['WEBVTT', ...notes.map((n) => `NOTE ${cueLines(n).join('\n').replace(/-->/g, '- ->')}`)];
  for (const cue of cues(annotation, answerTierPrefix))
    blocks.push(`${clock(cue.start, '.')} --> ${clock(cue.end, '.')}\n${cue.lines.map(vttText).join('\n')}`);
  return `${blocks.join('\n\n')}\n`;
}
