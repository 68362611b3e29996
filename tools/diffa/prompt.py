"""DIFFA-2's prompt layout (LLaDA chat format) and audio insertion rule.

<|startoftext|><|start_header_id|>system<|end_header_id|>\\n\\n{SYSTEM}<|eot_id|><|start_header_id|>user<|end_header_id|>
\\n\\nThis is the audio: [AUDIO] <audio>. {question}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\n[MASK]*G

[AUDIO] (acoustic tokens, then semantic tokens) is spliced into the embedding sequence before token index
`audio_offset` = number of tokens of the rendered prompt up to and including "This is the audio: " (+ offset_adjust:
0 for the word-level tokenizer, whose trailing space yields no token; DIFFA-2's BPE needs -1)."""

SYSTEM_PROMPT = "You are a helpful voice assistant."
AFTER_TEXT = "This is the audio: "
USER_CONTENT = AFTER_TEXT + "<audio>. {question}"
OFFSET_ADJUST = 0

# LLaDA-8B-Instruct's chat template (Llama-3 style; content is trimmed), for @huggingface/jinja on the TS side.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim"
    " + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


def render_prompt(question: str, system: str = SYSTEM_PROMPT) -> str:
    """Python rendering of CHAT_TEMPLATE for [system, user] with add_generation_prompt (checked against jinja in
    tools/check_tokenizer.mjs)."""
    msgs = [("system", system), ("user", USER_CONTENT.format(question=question))]
    out = "<|startoftext|>"
    for role, content in msgs:
        out += f"<|start_header_id|>{role}<|end_header_id|>\n\n{content.strip()}<|eot_id|>"
    return out + "<|start_header_id|>assistant<|end_header_id|>\n\n"


def audio_offset(tokenizer, prompt: str) -> int:
    cut = prompt.index(AFTER_TEXT) + len(AFTER_TEXT)
    return len(tokenizer.encode(prompt[:cut])) + OFFSET_ADJUST


def answer_ids(tokenizer, answer: str, gen_length: int):
    """SFT target for the generation window: the answer, <|eot_id|>, then <|endoftext|> padding (LLaDA SFT pads
    with EOS and trains on the padding too, which is how the model learns to stop)."""
    ids = tokenizer.encode(answer) + [tokenizer.special_id("<|eot_id|>")]
    if len(ids) > gen_length:
        raise ValueError(f"answer too long for gen_length {gen_length}: {answer!r}")
    return ids + [tokenizer.special_id("<|endoftext|>")] * (gen_length - len(ids))
