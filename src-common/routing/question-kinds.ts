/**
 * The question kinds the router recognises, as patterns over a normalised question (see normaliseForRouting: lower
 * case, no punctuation, one space, a space at both ends). Patterns describe meanings, not exact strings: each kind
 * lists the ways people ask it, and `unless` lists what makes the same words mean something else.
 */

/** Facts the app measures itself (src-common/audio/facts): answered from the measurement, never by the model. */
export const MEASURES = ['clipping', 'truePeak', 'peak', 'dcOffset', 'silence', 'loudness', 'duration', 'sampleRate', 'channels'] as const;
export type Measure = (typeof MEASURES)[number];

export interface KindPattern<K extends string> {
  kind: K;
  match: RegExp;
  unless?: RegExp;
}

const LANGUAGES =
  'english|french|german|spanish|italian|portuguese|dutch|russian|chinese|mandarin|cantonese|japanese|korean|arabic|hindi|swedish|polish|turkish|greek';
const SOUND_CLASSES = 'speech|speaking|talking|voice|tone|tones|chirp|chirps|noise|beep|beeps|beeping|music|sine|sweep';

/**
 * Requests that are not questions about the sound, or are another task (translation, editing, how-to, definitions):
 * a keyword inside them ("Translate this into French", "Normalise it to −23 LUFS") must not make them a question the
 * model or the measurement answers.
 */
export const NOT_A_QUESTION_ABOUT_THE_SOUND: RegExp[] = [
  /\btranslat\w*\b/,
  /^ (please |can you |could you |would you |will you |go ahead and |i want you to |now )?(summari[sz]e|compose|generate|create|make|convert|remove|delete|cut|trim|normali[sz]e|export|play|sing|rewrite|fix|repair|denoise|enhance|boost|reduce|increase|lower|raise|amplify|mute|edit|apply|add|split|merge|loop|reverse|speed|slow|save|upload|download|open|close|send|email|draw|plot|imagine|pretend|ignore|forget|answer|reply|respond|explain|tell me a|write a|write an|write me|list|give me a)\b/,
  /^ (how (do|can|could|should|would|might|to) |why )/,
  /^ what (is|are) (a |an )?(lufs|lu|true peak|dbtp|dbfs|dc offset|clipping|loudness|sample rate|sampling rate|rms|peak level|headroom|bit depth) $/,
  /^ what (does|do) (a |an |the )?(lufs|lu|true peak|dbtp|dbfs|dc offset|clipping|loudness|sample rate|sampling rate|rms|peak|peak level|headroom|bit depth) (mean|stand for|measure)\b/,
  /\b(in|into) (\w+ )?(a )?(poem|song lyrics|haiku|story|essay|summary)\b/,
];

export const MEASURED_KINDS: KindPattern<Measure>[] = [
  { kind: 'clipping', match: /\b(clip|clips|clipped|clipping|distort\w*|overload\w*|saturat\w*|overs|too hot|flat ?topp?\w*|squared off)\b/ },
  { kind: 'truePeak', match: /\b(true peak\w*|dbtp|inter ?sample\w*|intersample\w*)\b/ },
  { kind: 'peak', match: /\b(peak|peaks|peaking|peak level|headroom|max(imum)? (level|amplitude|sample|value)|loudest sample|highest sample|dbfs)\b/ },
  { kind: 'dcOffset', match: /\b(dc|d c|direct current|dc bias|offset|centr?ed on zero|cent(er|re)ed|zero line)\b/ },
  {
    kind: 'silence',
    match: /\b(silent|silence|silences|any sound|anything there|anything audible|audible|any audio|empty|blank|nothing (there|in it|at all)|dead air)\b/,
    unless: new RegExp(`\\b(${SOUND_CLASSES}|or silence|silence or)\\b`),
  },
  {
    kind: 'loudness',
    match:
      /\b(lufs|lkfs|lu|loud|loudness|louder|loudest|volume|level|levels|rms|quiet|quieter|quietest|soft|decibels?|db|gain|integrated|r ?128|ebu|atsc|a85|how hot)\b/,
  },
  {
    kind: 'duration',
    match:
      /\b(how long|duration|length|how many (seconds|minutes|ms|milliseconds|frames|samples)|how much time|seconds long|minutes long|last|lasts|runtime|run time)\b/,
  },
  {
    kind: 'sampleRate',
    match: /\b(sample ?rate|sampling (rate|frequency)|samplerate|khz|samples per second|bit ?depth|bits per sample|bit rate|bitrate|resolution)\b/,
  },
  { kind: 'channels', match: /\b(channel|channels|mono|monaural|stereo|surround|multichannel|multi channel|left and right|5 1)\b/ },
];

/** The trained question kinds of DIFFA-Tiny; a manifest names the ones its model was trained on by these ids. */
export const TRAINED_KINDS: KindPattern<string>[] = [
  {
    kind: 'language',
    match: new RegExp(
      [
        '\\b(language|languages|tongue|dialect|lingo)\\b',
        `\\b(is|are|was|were) (it|this|that|he|she|they|the (speech|speaker|voice|person|man|woman|talker|audio|recording))( speaking| talking| spoken| said| sung)?( in)? (${LANGUAGES})\\b`,
        `\\b(speak\\w*|talk\\w*|spoken|said|in) (in )?(${LANGUAGES})\\b`,
        `\\b(${LANGUAGES}) or (${LANGUAGES})\\b`,
      ].join('|'),
    ),
    unless: /\b(programming|model|sign language|body language)\b/,
  },
  {
    kind: 'transcribe',
    match:
      /\b(transcri\w*|what (is|was|are|were) (being )?(said|spoken|saying|uttered|read out)|what (does|did|do) (he|she|they|it|someone|somebody|the (speaker|voice|person|man|woman|talker)) say|what (is|are|was|were) (he|she|they|the (speaker|voice|person|man|woman)) saying|(what|which) (words|digits|numbers|number)|the words|(write|type|spell) (down|out)|speech to text|dictat\w*|verbatim|word for word|what did you hear (him|her|them) say|repeat what)\b/,
  },
  {
    kind: 'gender',
    match:
      /\b(male|female|males|females|gender|sex of|a man\b(?! made)|a woman|men or women|man or (a )?woman|woman or (a )?man|boy or (a )?girl|girl or (a )?boy|masculine|feminine|he or she|she or he|guy or (a )?(girl|gal)|lady|ladies|gentleman|man s voice|woman s voice|mans voice|womans voice|man speaking|woman speaking)\b/,
  },
  {
    kind: 'count',
    match:
      /\b(how many (beeps?|bleeps?|tones|pulses?|clicks?|pips?|blips?|bursts?|beep tones|times (does|did) (it|the tone|the sound) beep)|count (the |of |all )?(beeps?|pulses|tones|clicks|pips|blips)|number of (beeps?|pulses|tones|clicks|pips|blips|bursts)|how often does it beep|beep count|count them)\b/,
  },
  {
    kind: 'direction',
    match:
      /\b(rising|falling|rise|rises|fall|falls|going up|go up|goes up|going down|go down|goes down|ascend\w*|descend\w*|upward\w*|downward\w*|up or down|down or up|glide|gliding|sweeps? (up|down)|increas\w*|decreas\w*|climb\w*|dropping|drops|bend\w* (up|down)|upwards or downwards)\b/,
  },
  {
    kind: 'noise',
    match:
      /\b((white|pink|brown|brownian|red|grey|gray|blue|violet) noise|(colou?r|kind|type|sort|spectrum|tint|flavou?r) (of|is) (the |this |that )?noise|noise (colou?r|type|kind|spectrum)|what colou?r|which colou?r|white pink or brown|white or pink|pink or brown|white or brown)\b/,
  },
  {
    kind: 'pitch',
    match: /\b(pitch|pitched|high|higher|low|lower|medium|middle|mid|frequency|register|note|bass|treble|shrill|squeaky|deep|how high)\b/,
    unless: /\b(quality|resolution|latency|battery|hz|hertz|khz|midi|which note|what note|chord|key of)\b/,
  },
  {
    kind: 'kind',
    match: new RegExp(
      [
        '\\b(what|which) (kind|sort|type|category|class) (of )?(sound|audio|signal|thing|recording|clip|source|content|is)\\b',
        '\\bwhat (is|was) (this|that|it|the sound|the audio|the signal|the recording|in (it|this|here)|here|playing|going on|happening|making (this|that|the) (sound|noise))\\b',
        '\\bwhat (do|can) (you|i|we) hear\\b',
        '\\bwhat am i (hearing|listening to)\\b',
        '\\bwhat (sound|noise) is\\b',
        '\\b(identify|classify|categori[sz]e|describe|label) (the |this |that |it)?(sound|audio|signal|it|this|clip|recording)?\\b',
        `\\b(is|was) (it|this|that|the (sound|audio|signal|clip)) (a |an |just )?(${SOUND_CLASSES})\\b`,
        `\\b(${SOUND_CLASSES}) or (a |an |just )?(${SOUND_CLASSES}|silence)\\b`,
        '\\b(is|are) (there|someone|anyone|somebody) (speaking|talking|a voice|any voice|any speech|voices|speech|beeps?|a tone)\\b',
        '\\bany (speech|voice|voices|talking|beeps?|tones?)\\b',
        '\\b(human voice|sounds? like|what does it sound like)\\b',
      ].join('|'),
    ),
    unless:
      /\b(music|genre|instrument|instruments|animal|bird|song|emotion|mood|feeling|accent|car|engine|room|reverb|microphone|mic|recorded|codec|format|file)\b/,
  },
];
