import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { BundleManifest } from '../models/bundle-manifest';

export interface Turn {
  question: string;
  answer: string;
}

export interface BuiltPrompt {
  text: string;
  ids: number[];
  /** The audio embeddings are spliced in before this token index (DIFFA-2's insertion rule). */
  audioOffset: number;
}

/**
 * DIFFA-2's prompt: the model's chat template over [system, user (audio + first question), assistant, user, …],
 * ending with the assistant header; the audio goes right after the `after_text` of the first user turn.
 * Earlier questions and answers about the same region come along as history, so follow-ups keep their context.
 */
export class PromptBuilder {
  private readonly template: Template;

  constructor(
    private readonly manifest: BundleManifest,
    readonly tokenizer: Tokenizer,
  ) {
    this.template = new Template(manifest.chat_template);
  }

  static fromJson(manifest: BundleManifest, tokenizerJson: object, tokenizerConfig: object = {}): PromptBuilder {
    return new PromptBuilder(manifest, new Tokenizer(tokenizerJson, tokenizerConfig));
  }

  /**
   * The prompts built lately, by question and history: rendering the template and tokenising cost ~0.3 ms, as much
   * as a decoding step of a tiny model, and the same question comes back often (a batch over many files, the same
   * question about another region). Bounded, oldest out first; a prompt is a pure function of its key.
   */
  private readonly built = new Map<string, BuiltPrompt>();
  static readonly BUILT_KEPT = 64;

  build(question: string, history: readonly Turn[] = []): BuiltPrompt {
    const key = JSON.stringify([question, history.map((t) => [t.question, t.answer])]);
    const known = this.built.get(key);
    if (known) return { ...known, ids: [...known.ids] };
    const prompt = this.render(question, history);
    if (this.built.size >= PromptBuilder.BUILT_KEPT) this.built.delete(this.built.keys().next().value as string);
    this.built.set(key, prompt);
    return { ...prompt, ids: [...prompt.ids] };
  }

  private render(question: string, history: readonly Turn[]): BuiltPrompt {
    const { audio_insertion: insertion, system_prompt: system } = this.manifest;
    const first = history[0]?.question ?? question;
    const messages = [
      { role: 'system', content: system },
      { role: 'user', content: insertion.user_template.replace('{question}', first) },
    ];
    const turns = history.length > 0 ? [...history.slice(1).map((t) => t.question), question] : [];
    history.forEach((turn, i) => {
      messages.push({ role: 'assistant', content: turn.answer });
      const next = turns[i];
      if (next !== undefined) messages.push({ role: 'user', content: next });
    });
    const bos = this.tokenizer.id_to_token(this.manifest.special_tokens.bos) ?? '';
    const text = this.template.render({ messages, bos_token: bos, add_generation_prompt: true });
    const cut = text.indexOf(insertion.after_text);
    if (cut < 0) throw new Error(`The chat template did not keep "${insertion.after_text}", where the audio goes`);
    const prefix = text.slice(0, cut + insertion.after_text.length);
    const audioOffset = this.encode(prefix).length + insertion.offset_adjust;
    return { text, ids: this.encode(text), audioOffset };
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** Text of the answer: stops at the first EOS / end-of-turn, drops special tokens. */
  decodeAnswer(ids: ArrayLike<number>): string {
    const { eos, eot, mask } = this.manifest.special_tokens;
    const kept: number[] = [];
    for (const id of Array.from(ids)) {
      if (id === eos || id === eot) break;
      if (id !== mask) kept.push(id);
    }
    // An answer that is only an end marker is an empty answer (the tokenizer refuses to decode nothing).
    return kept.length === 0 ? '' : this.tokenizer.decode(kept, { skip_special_tokens: true }).trim();
  }

  private readonly pieces = new Map<number, string>();

  /**
   * Display text of one token (for the live view); special tokens keep their names. Memoised for the model's
   * lifetime: a step that commits a whole window needs ~50 pieces (tokens and their top-k), and decoding each
   * afresh cost as much as the forward pass of a tiny model.
   */
  piece(id: number): string {
    let text = this.pieces.get(id);
    if (text === undefined) {
      text = this.tokenizer.decode([id], { skip_special_tokens: false });
      this.pieces.set(id, text);
    }
    return text;
  }
}
