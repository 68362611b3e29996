import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeQuestion } from './router';
import { OPEN_MODEL, TINY_MODEL } from './test-models';

/** How the router should route each question for DIFFA-Tiny: `trained:<task>`, `measured:<measure>` or `outside`. */
const TABLE: [string, string][] = [
  // The manifest's own questions.
  ['What kind of sound is this?', 'trained:kind'],
  ['What language is spoken?', 'trained:language'],
  ['Is the speaker male or female?', 'trained:gender'],
  ['Transcribe the speech.', 'trained:transcribe'],
  ['How many beeps are there?', 'trained:count'],
  ['Is the pitch rising or falling?', 'trained:direction'],
  ['Is the tone low, medium or high?', 'trained:pitch'],
  ['What color is the noise?', 'trained:noise'],
  // kind
  ['What is this?', 'trained:kind'],
  ["what's that sound", 'trained:kind'],
  ['What do you hear?', 'trained:kind'],
  ['What am I listening to?', 'trained:kind'],
  ['Is this speech or a tone?', 'trained:kind'],
  ['Is it noise?', 'trained:kind'],
  ['Is anyone speaking?', 'trained:kind'],
  ['Identify the sound', 'trained:kind'],
  ['Describe the audio.', 'trained:kind'],
  ['What type of signal is it?', 'trained:kind'],
  ['Is it speech or silence?', 'trained:kind'],
  ['Is there any speech here?', 'trained:kind'],
  ['Is this a chirp?', 'trained:kind'],
  ['What does it sound like?', 'trained:kind'],
  // language
  ['Which language?', 'trained:language'],
  ['What language is this?', 'trained:language'],
  ['Is it English?', 'trained:language'],
  ['Is the speaker speaking French?', 'trained:language'],
  ['English or German?', 'trained:language'],
  ['Is this in Spanish?', 'trained:language'],
  ['what tongue is that', 'trained:language'],
  ['Spoken in German?', 'trained:language'],
  // gender
  ['man or woman?', 'trained:gender'],
  ['Is it a man or a woman?', 'trained:gender'],
  ['Is the voice female?', 'trained:gender'],
  ["What's the speaker's gender?", 'trained:gender'],
  ['Is that a male voice?', 'trained:gender'],
  ['Is a woman speaking?', 'trained:gender'],
  ['boy or girl', 'trained:gender'],
  // transcribe
  ['What is being said?', 'trained:transcribe'],
  ['What does the speaker say?', 'trained:transcribe'],
  ['Write down what is said', 'trained:transcribe'],
  ['transcript please', 'trained:transcribe'],
  ['Which digits are spoken?', 'trained:transcribe'],
  ['What numbers does she say?', 'trained:transcribe'],
  ['What are the words?', 'trained:transcribe'],
  ['What is he saying?', 'trained:transcribe'],
  // count
  ['How many beeps?', 'trained:count'],
  ['Count the beeps', 'trained:count'],
  ['How many times does it beep?', 'trained:count'],
  ['number of pulses?', 'trained:count'],
  ['How many tones do you hear?', 'trained:count'],
  ['How many clicks are there', 'trained:count'],
  // direction
  ['Does the pitch go up?', 'trained:direction'],
  ['Is it going up or down?', 'trained:direction'],
  ['Is the sweep ascending?', 'trained:direction'],
  ['Does the frequency rise?', 'trained:direction'],
  ['Is the chirp falling?', 'trained:direction'],
  ['Does the tone descend?', 'trained:direction'],
  ['Up or down?', 'trained:direction'],
  // pitch
  ['Is it high pitched?', 'trained:pitch'],
  ['How high is the tone?', 'trained:pitch'],
  ['Is the pitch low?', 'trained:pitch'],
  ['Low, mid or high?', 'trained:pitch'],
  ['Is the tone deep?', 'trained:pitch'],
  ['What register is the tone in?', 'trained:pitch'],
  // noise
  ['Is it white noise?', 'trained:noise'],
  ['What kind of noise is this?', 'trained:noise'],
  ['pink or brown?', 'trained:noise'],
  ['Which colour is the noise?', 'trained:noise'],
  ['Is this brown noise or pink noise?', 'trained:noise'],
  // measured
  ['Is there clipping?', 'measured:clipping'],
  ['Is it clipped?', 'measured:clipping'],
  ['any distortion from clipping?', 'measured:clipping'],
  ['Does it clip anywhere?', 'measured:clipping'],
  ['Is the signal distorted?', 'measured:clipping'],
  ['how loud is it', 'measured:loudness'],
  ['How loud is this in LUFS?', 'measured:loudness'],
  ['What is the loudness?', 'measured:loudness'],
  ['Is it too quiet?', 'measured:loudness'],
  ['What is the RMS level?', 'measured:loudness'],
  ['Is the volume OK?', 'measured:loudness'],
  ['What is the true peak?', 'measured:truePeak'],
  ['Any inter-sample peaks?', 'measured:truePeak'],
  ['What is the peak level?', 'measured:peak'],
  ['How much headroom is there?', 'measured:peak'],
  ['Is there a DC offset?', 'measured:dcOffset'],
  ['Any DC?', 'measured:dcOffset'],
  ['Is it silent?', 'measured:silence'],
  ['Is there anything audible?', 'measured:silence'],
  ['Is this silence?', 'measured:silence'],
  ['How long is it?', 'measured:duration'],
  ['What is the duration of this region?', 'measured:duration'],
  ['How many seconds is this?', 'measured:duration'],
  ['What is the sample rate?', 'measured:sampleRate'],
  ['What sampling frequency?', 'measured:sampleRate'],
  ['What bit depth is it?', 'measured:sampleRate'],
  ['Is it mono or stereo?', 'measured:channels'],
  ['How many channels?', 'measured:channels'],
  // outside: other tasks, keywords inside unrelated requests, how-to, definitions
  ['Translate this into French', 'outside'],
  ['Translate the speech to English.', 'outside'],
  ['Answer in German: what is this?', 'outside'],
  ['What instrument is this?', 'outside'],
  ['What genre of music is this?', 'outside'],
  ['What emotion does the speaker convey?', 'outside'],
  ['How many speakers are there?', 'outside'],
  ['Who is speaking?', 'outside'],
  ['Normalize it to -23 LUFS', 'outside'],
  ['Remove the clipping', 'outside'],
  ['How do I fix the clipping?', 'outside'],
  ['What does LUFS mean?', 'outside'],
  ['What is true peak?', 'outside'],
  ['Why is it so loud?', 'outside'],
  ['Write a poem about this sound', 'outside'],
  ['What is the frequency in Hz?', 'outside'],
  ['Where was this recorded?', 'outside'],
  ['Is there reverb?', 'outside'],
  ['What animal makes this sound?', 'outside'],
  ['Tell me a joke', 'outside'],
  ['hello', 'outside'],
  ['asdf qwer', 'outside'],
  ['这是什么语言？', 'outside'],
  ['Какой это язык?', 'outside'],
  ['これは何の音ですか', 'outside'],
  ['Summarize the conversation', 'outside'],
  ['What is the speaker’s accent?', 'outside'],
];

const label = (q: string, model = TINY_MODEL): string => {
  const r = routeQuestion(q, model);
  return r.route === 'trained' ? `trained:${r.task}` : r.route === 'measured' ? `measured:${r.measure}` : 'outside';
};

describe('question router (DIFFA-Tiny)', () => {
  it('has a table of at least 100 questions', () => assert.ok(TABLE.length >= 100, `${TABLE.length}`));
  for (const [question, expected] of TABLE) {
    it(`${JSON.stringify(question)} → ${expected}`, () => assert.equal(label(question), expected));
  }
  it('offers the trained questions and measured ones when a question is outside', () => {
    const r = routeQuestion('What instrument is this?', TINY_MODEL);
    assert.equal(r.route, 'outside');
    if (r.route === 'outside') {
      assert.ok(r.suggestions.includes('What kind of sound is this?'));
      assert.ok(r.suggestions.includes('Is it clipped?'));
    }
  });
  it('does not route a task the model was not trained on to it', () => {
    const noLanguage = { ...TINY_MODEL, capabilities: { ...TINY_MODEL.capabilities, trained_tasks: ['kind'] } };
    assert.equal(label('Which language?', noLanguage), 'outside');
    assert.equal(label('What is this?', noLanguage), 'trained:kind');
  });
});

describe('question router (a model that answers open questions)', () => {
  it('sends everything it cannot measure to the model', () => {
    for (const q of ['What instrument is this?', 'Translate this into French', '这是什么语言？', 'hello', 'What kind of sound is this?']) {
      assert.equal(label(q, OPEN_MODEL), 'trained:null', q);
    }
  });
  it('still answers measurable questions from the measurement', () => {
    assert.equal(label('Is it clipped?', OPEN_MODEL), 'measured:clipping');
    assert.equal(label('How loud is it?', OPEN_MODEL), 'measured:loudness');
  });
});
