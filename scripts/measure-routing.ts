// Precision and recall of the question router on the held-out list (src-common/routing/heldout-questions.ts), per
// route and per kind: `npx tsx scripts/measure-routing.ts` (add --misses to list every wrong route).
import { HELDOUT_QUESTIONS } from '../src-common/routing/heldout-questions';
import { routeQuestion } from '../src-common/routing/router';
import { TINY_MODEL } from '../src-common/routing/test-models';

const label = (q: string): string => {
  const r = routeQuestion(q, TINY_MODEL);
  return r.route === 'trained' ? `trained:${r.task}` : r.route === 'measured' ? `measured:${r.measure}` : 'outside';
};
const rows = HELDOUT_QUESTIONS.map(([question, expected]) => ({ question, expected, got: label(question) }));
const route = (l: string) => l.split(':')[0] as string;

function score(key: (l: string) => string, names: string[]): void {
  for (const name of names) {
    const tp = rows.filter((r) => key(r.got) === name && key(r.expected) === name).length;
    const predicted = rows.filter((r) => key(r.got) === name).length;
    const actual = rows.filter((r) => key(r.expected) === name).length;
    const p = predicted ? tp / predicted : 1;
    const rc = actual ? tp / actual : 1;
    console.log(`| ${name} | ${actual} | ${(100 * p).toFixed(1)} % | ${(100 * rc).toFixed(1)} % |`);
  }
}
console.log(`${rows.length} held-out questions; exact label right: ${rows.filter((r) => r.got === r.expected).length}\n`);
console.log('| route | questions | precision | recall |\n|---|---|---|---|');
score(route, ['trained', 'measured', 'outside']);
console.log('\n| label | questions | precision | recall |\n|---|---|---|---|');
score((l) => l, [...new Set(rows.map((r) => r.expected))]);
if (process.argv.includes('--misses')) {
  for (const r of rows.filter((r) => r.got !== r.expected)) console.log(`miss: ${JSON.stringify(r.question)} expected ${r.expected}, got ${r.got}`);
}
