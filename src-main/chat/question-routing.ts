import { ApiError } from '../../src-common/api/errors';
import type { MeasuredAnswerView } from '../../src-common/api/library';
import { measuredAnswer } from '../../src-common/routing/measured-answer';
import type { Measure } from '../../src-common/routing/question-kinds';
import { checkQuestion } from '../../src-common/routing/question-text';
import { type RouteDecision, type RoutingModel, routeQuestion } from '../../src-common/routing/router';
import type { AudioService } from '../audio/audio-service';
import { type BundleManifest, capabilitiesOf } from '../models/bundle-manifest';

/** The router's view of a bundle: its capabilities and listed tasks. */
export function routingModelOf(manifest: BundleManifest): RoutingModel {
  return { capabilities: capabilitiesOf(manifest), tasks: manifest.tasks };
}

/** A question as it will be asked (cleaned) and how it is answered; a question that cannot be asked is a bad_request. */
export function routeFor(question: string, manifest: BundleManifest): { question: string; decision: RouteDecision } {
  const checked = checkQuestion(question);
  if (!checked.ok) throw new ApiError('bad_request', checked.message);
  return { question: checked.question, decision: routeQuestion(checked.question, routingModelOf(manifest)) };
}

/** Measures the region (null end: to the end of the file) and answers from the figures. */
export async function measure(audio: AudioService, path: string, what: Measure, start: number | null, end: number | null): Promise<MeasuredAnswerView> {
  const facts = await audio.facts(path, start ?? 0, end ?? undefined);
  return measuredAnswer(what, facts);
}

/** One line for a question outside the model's training, naming what it can answer. */
export function outsideMessage(modelName: string, suggestions: string[]): string {
  return `${modelName} was not trained for this question. It can answer: ${suggestions.map((s) => `“${s}”`).join(', ')}.`;
}
