import type { RoutingModel } from './router';

/** DIFFA-Tiny's trained tasks and a DIFFA-2-like open model, as the router sees them (for tests and the measurement). */
const TINY_TASKS = [
  { task: 'kind', question: 'What kind of sound is this?' },
  { task: 'language', question: 'What language is spoken?' },
  { task: 'gender', question: 'Is the speaker male or female?' },
  { task: 'transcribe', question: 'Transcribe the speech.' },
  { task: 'count', question: 'How many beeps are there?' },
  { task: 'direction', question: 'Is the pitch rising or falling?' },
  { task: 'pitch', question: 'Is the tone low, medium or high?' },
  { task: 'noise', question: 'What color is the noise?' },
];

export const TINY_MODEL: RoutingModel = {
  tasks: TINY_TASKS,
  capabilities: { version: 1, trained_tasks: TINY_TASKS.map((t) => t.task), multi_turn: false, heard_seconds: 6, open_questions: false },
};

export const OPEN_MODEL: RoutingModel = {
  tasks: [],
  capabilities: { version: 1, trained_tasks: [], multi_turn: true, heard_seconds: 30, open_questions: true },
};
