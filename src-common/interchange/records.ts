import { type Exchange, ExchangeSchema, type Region } from '../api/library';
import { isNoAnswer } from '../routing/confidence';
import { type EmptyAnswers, exchangeSpan, exportedAnswer } from './export-source';

/**
 * One exchange as a flat record with its full provenance: which model (id, version, manifest hash) on which
 * execution provider with which sampler, parameters and seed answered, from which prompt, and how long it took.
 * Flat so that CSV columns and JSON keys are the same names; a failed exchange keeps what was asked and its error.
 */
export function exchangeRecord(file: string, exchange: Exchange, regions: Region[], duration: number, emptyAnswers: EmptyAnswers = 'mark') {
  const a = exchange.answer;
  const region = exchange.regionId === null ? undefined : regions.find((r) => r.id === exchange.regionId);
  const span = exchangeSpan(exchange, duration);
  const decoding = a?.decoding ?? exchange.decoding;
  return {
    file,
    exchange_id: exchange.id,
    status: exchange.status,
    error: exchange.error,
    region_id: exchange.regionId,
    region_label: region?.label ?? null,
    region_group: region?.group ?? null,
    start: span.start,
    end: span.end > span.start ? span.end : null,
    question: exchange.question,
    answer: exportedAnswer(exchange, emptyAnswers),
    /** trained | measured | outside: who answered, and whether the model was trained for the question. */
    route: exchange.route,
    outside_training: exchange.route === 'outside',
    no_answer: a !== null && isNoAnswer(a.answer),
    /** The least confidence among the answer's words, and whether it fell below the model's threshold (null: not recorded). */
    confidence: a?.confidence?.least ?? null,
    unsure: a?.confidence?.unsure ?? null,
    measured_standard: exchange.measured?.standard ?? null,
    history_turns: exchange.historyTurns,
    asked_at: exchange.askedAt,
    model_id: a?.model.id ?? exchange.modelId,
    model_name: a?.model.name ?? null,
    model_version: a?.model.version ?? null,
    model_sha256: a?.model.manifestSha256 ?? null,
    provider: a?.provider ?? null,
    sampler: decoding.sampler ?? null,
    steps: decoding.steps ?? null,
    gen_length: decoding.genLength ?? null,
    block_length: decoding.blockLength ?? null,
    temperature: decoding.temperature ?? null,
    cfg_scale: decoding.cfgScale ?? null,
    factor: decoding.factor ?? null,
    threshold: decoding.threshold ?? null,
    seed: decoding.seed ?? null,
    prompt: a?.prompt ?? null,
    truncated: a?.truncated ?? null,
    heard_seconds: a?.heardSeconds ?? null,
    forward_passes: a?.forwardPasses ?? null,
    decode_ms: a?.timings.decodeMs ?? null,
    features_ms: a?.timings.featuresMs ?? null,
    audio_graph_ms: a?.timings.audioGraphMs ?? null,
    steps_ms: a?.timings.stepsMs ?? null,
    total_ms: a?.timings.totalMs ?? null,
  };
}
export type ExchangeRecord = ReturnType<typeof exchangeRecord>;

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. Arrays become space-separated. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const s = Array.isArray(value) ? value.join(' ') : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = Object.keys(exchangeRecord('', placeholderExchange(), [], 0)) as (keyof ExchangeRecord)[];

/** A header line and one CRLF-terminated line per record (CRLF as RFC 4180 asks; spreadsheets accept it). */
export function writeCsv(records: ExchangeRecord[], header = true): string {
  const lines = records.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(','));
  if (header) lines.unshift(CSV_COLUMNS.join(','));
  return lines.length ? `${lines.join('\r\n')}\r\n` : '';
}

export const writeJsonLines = (records: ExchangeRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** An exchange with nothing in it; parsed so that fields with defaults are filled whatever the schema adds later. */
function placeholderExchange(): Exchange {
  return ExchangeSchema.parse({
    id: 'x',
    regionId: null,
    span: { start: 0, end: null },
    question: '',
    askedAt: '',
    modelId: '',
    decoding: {},
    status: 'pending',
    answer: null,
    trace: [],
    error: null,
  });
}
