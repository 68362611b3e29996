"""A word-level tokenizer in Hugging Face `tokenizer.json` form, with LLaDA's special-token names.
`encode` mirrors @huggingface/tokenizers (JS) exactly: added tokens are split out first, the rest goes through the
`Whitespace` pre-tokenizer, whose JS regex /\\w+|[^\\w\\s]+/g is ASCII-only (hence re.ASCII), and unknown words (or words over 100 characters) map
to <unk>. Whitespace itself (including the template's "\\n\\n") yields no token."""
import json
import re

SPECIALS = ["<|startoftext|>", "<|endoftext|>", "<|mdm_mask|>", "<|eot_id|>", "<|start_header_id|>",
            "<|end_header_id|>"]
UNK = "<unk>"
WORD_RE = re.compile(r"\w+|[^\w\s]+", re.ASCII)


def words_of(text):
    return WORD_RE.findall(text)


class WordTokenizer:
    def __init__(self, vocab):
        """vocab: list of tokens; index = id. Specials and <unk> must be in it."""
        self.vocab = list(vocab)
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.unk_id = self.ids[UNK]
        self._split = re.compile("(" + "|".join(re.escape(s) for s in sorted(SPECIALS, key=len, reverse=True)) + ")")

    @staticmethod
    def build(texts):
        words = sorted({w for t in texts for w in words_of(t)})
        return WordTokenizer(SPECIALS + [UNK] + words)

    def encode(self, text):
        out = []
        for part in self._split.split(text):
            if part in SPECIALS:
                out.append(self.ids[part])
            elif part:
                out.extend(self.unk_id if len(w) > 100 else self.ids.get(w, self.unk_id) for w in words_of(part))
        return out

    def decode(self, ids, skip_special=True):
        toks = [self.vocab[i] for i in ids]
        if skip_special:
            toks = [t for t in toks if t not in SPECIALS]
        # JS: tokens.join(" ") then clean_up_tokenization (no space before . , ? ! ' n't etc.)
        s = " ".join(toks)
        for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                     (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
            s = s.replace(a, b)
        return s

    def special_id(self, name):
        return self.ids[name]

    def to_json(self):
        model_vocab = {t: i for i, t in enumerate(self.vocab)}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.ids[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True}
                for s in SPECIALS
            ],
            "normalizer": None,
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": None,
            "decoder": None,
            # A WordPiece model with no "##" continuation pieces behaves exactly as a word-level lookup (a word is
            # either in the vocabulary or <unk>), and unlike WordLevel it carries its own unk_token, which
            # @huggingface/tokenizers reads from the model section (for WordLevel it wants tokenizer_config.json).
            "model": {"type": "WordPiece", "unk_token": UNK, "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": 100, "vocab": model_vocab},
        }

    def config_json(self):
        """tokenizer_config.json: @huggingface/tokenizers reads unk_token from here for word-level vocabularies."""
        return {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|startoftext|>",
                "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "unk_token": UNK,
                "mask_token": "<|mdm_mask|>", "clean_up_tokenization_spaces": True,
                "additional_special_tokens": SPECIALS}

    @staticmethod
    def from_json(path):
        j = json.load(open(path))
        vocab = {**j["model"]["vocab"], **{t["content"]: t["id"] for t in j["added_tokens"]}}
        out = [None] * len(vocab)
        for t, i in vocab.items():
            out[i] = t
        return WordTokenizer(out)
