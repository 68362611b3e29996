"""The eight DIFFA-Tiny tasks: canonical question (the one the app and the eval set use), answers, and a few
paraphrases that training mixes in."""

TASKS = [
    {"task": "kind", "question": "What kind of sound is this?",
     "answers": ["speech", "a tone", "a chirp", "noise", "beeps", "silence"],
     "paraphrases": ["What is this sound?", "What do you hear?", "What sort of sound is this?",
                     "What kind of audio is this?", "Describe the sound.", "What is in this audio?",
                     "What type of sound do you hear?", "Which kind of sound is it?", "What does this sound like?",
                     "What can you hear in this clip?", "Name the kind of sound."]},
    {"task": "language", "question": "What language is spoken?",
     "answers": ["English", "French", "German", "Spanish"],
     "paraphrases": ["Which language is this?", "What language is this?", "Which language is spoken?",
                     "What language does the speaker use?", "In which language is the speech?",
                     "What language is the speaker speaking?", "Which language do you hear?",
                     "Name the language of the speech.", "What language is being spoken?",
                     "Tell me the language of this clip."]},
    {"task": "gender", "question": "Is the speaker male or female?",
     "answers": ["male", "female"],
     "paraphrases": ["Is this a male or a female voice?", "Is the voice male or female?",
                     "Is it a man or a woman speaking?", "Is the speaker a man or a woman?", "Who is speaking, a man or a woman?",
                     "What is the gender of the speaker?", "Male or female speaker?", "Does a man or a woman speak?",
                     "Is the person speaking male or female?", "Tell me if the voice is male or female."]},
    {"task": "transcribe", "question": "Transcribe the speech.",
     "answers": None,  # 2-4 English digits as lowercase words
     "paraphrases": ["What is said?", "Transcribe the audio.", "What does the speaker say?", "Write down what is said.",
                     "What words are spoken?", "Which numbers are spoken?", "What numbers do you hear?",
                     "Transcribe this clip.", "Write the speech as text.", "What is the speaker saying?",
                     "Give a transcript of the speech."]},
    {"task": "count", "question": "How many beeps are there?",
     "answers": ["one", "two", "three", "four", "five"],
     "paraphrases": ["Count the beeps.", "How many beeps do you hear?", "How many times does it beep?",
                     "What is the number of beeps?", "How many beeps are in this clip?", "Count the beeps in the audio.",
                     "How many beeps can you count?", "How many beeps are there in the audio?",
                     "Tell me how many beeps there are.", "How many short beeps are there?"]},
    {"task": "direction", "question": "Is the pitch rising or falling?",
     "answers": ["rising", "falling"],
     "paraphrases": ["Does the pitch go up or down?", "Is the sweep rising or falling?", "Does the tone rise or fall?",
                     "Is the pitch going up or going down?", "Which way does the pitch move?",
                     "Does the frequency go up or down?", "Is it a rising or a falling sweep?",
                     "Does the sound get higher or lower?", "Is the chirp rising or falling?",
                     "Tell me if the pitch rises or falls."]},
    {"task": "pitch", "question": "Is the tone low, medium or high?",
     "answers": ["low", "medium", "high"],
     "paraphrases": ["How high is the tone?", "Is the pitch low, medium or high?", "Is this a low, medium or high tone?",
                     "How high is the pitch?", "Is the tone high or low?", "What is the pitch of the tone?",
                     "Is the frequency low, medium or high?", "Tell me if the tone is low, medium or high.",
                     "How high does the tone sound?", "Is it a low, a medium or a high tone?"]},
    {"task": "noise", "question": "What color is the noise?",
     "answers": ["white", "pink", "brown"],
     "paraphrases": ["What kind of noise is this?", "Which color is the noise?", "Is the noise white, pink or brown?",
                     "What colour is the noise?", "What type of noise do you hear?", "Which noise color is this?",
                     "Is this white, pink or brown noise?", "Name the color of the noise.",
                     "What is the color of this noise?", "Tell me the color of the noise."]},
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
