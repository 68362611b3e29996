"""The eight DIFFA-Tiny tasks: canonical question (the one the app and the eval set use), answers, and a few
paraphrases that training mixes in."""

TASKS = [
    {"task": "kind", "question": "What kind of sound is this?",
     "answers": ["speech", "a tone", "a chirp", "noise", "beeps", "silence"],
     "paraphrases": ["What is this sound?", "What do you hear?"]},
    {"task": "language", "question": "What language is spoken?",
     "answers": ["English", "French", "German", "Spanish"],
     "paraphrases": ["Which language is this?"]},
    {"task": "gender", "question": "Is the speaker male or female?",
     "answers": ["male", "female"],
     "paraphrases": ["Is this a male or a female voice?"]},
    {"task": "transcribe", "question": "Transcribe the speech.",
     "answers": None,  # 2-4 English digits as lowercase words
     "paraphrases": ["What is said?", "Transcribe the audio."]},
    {"task": "count", "question": "How many beeps are there?",
     "answers": ["one", "two", "three", "four", "five"],
     "paraphrases": ["Count the beeps."]},
    {"task": "direction", "question": "Is the pitch rising or falling?",
     "answers": ["rising", "falling"],
     "paraphrases": ["Does the pitch go up or down?"]},
    {"task": "pitch", "question": "Is the tone low, medium or high?",
     "answers": ["low", "medium", "high"],
     "paraphrases": ["How high is the tone?"]},
    {"task": "noise", "question": "What color is the noise?",
     "answers": ["white", "pink", "brown"],
     "paraphrases": ["What kind of noise is this?"]},
]
TASK_NAMES = [t["task"] for t in TASKS]
BY_NAME = {t["task"]: t for t in TASKS}
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

SUGGESTED_QUESTIONS = [t["question"] for t in TASKS]


def all_texts():
    """Every text the tokenizer must know (questions, paraphrases, answers, digits)."""
    out = []
    for t in TASKS:
        out += [t["question"]] + t["paraphrases"] + (t["answers"] or [])
    return out + DIGITS
