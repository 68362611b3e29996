import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AudioFactsView } from '../audio/schemas';
import { clock, measuredAnswer } from './measured-answer';
import { MEASURES } from './question-kinds';

const facts = (over: Partial<AudioFactsView> = {}): AudioFactsView => ({
  start: 0,
  duration: 2.5,
  sampleRate: 48000,
  channels: 2,
  bitDepth: 24,
  peakDbfs: -3.21,
  truePeakDbtp: -2.95,
  rmsDbfs: -20.04,
  lufs: -23.04,
  dcOffset: 0.00002,
  clippedRuns: 0,
  clipRuns: [],
  perChannel: [],
  ...over,
});

describe('measured answers: a sentence with the figures and the standard', () => {
  it('clipping: yes with the count, the longest run and where, and the true peak', () => {
    const clipped = facts({
      clippedRuns: 3,
      truePeakDbtp: 0.31,
      peakDbfs: 0,
      clipRuns: [
        { channel: 0, start: 0.5, samples: 4 },
        { channel: 1, start: 1.204, samples: 12 },
        { channel: 0, start: 2, samples: 2 },
      ],
    });
    assert.equal(measuredAnswer('clipping', clipped).text, 'Yes — 3 clipped runs, the longest 12 samples at 0:01.204; true peak +0.3 dBTP (ITU-R BS.1770-4).');
    assert.equal(measuredAnswer('clipping', facts()).text, 'No — no clipped runs; sample peak −3.2 dBFS, true peak −3.0 dBTP (ITU-R BS.1770-4).');
  });
  it('loudness, peaks, DC, silence, duration, format and channels', () => {
    assert.equal(
      measuredAnswer('loudness', facts()).text,
      '−23.0 LUFS integrated (ITU-R BS.1770-4; EBU R 128 aims at −23); RMS −20.0 dBFS, sample peak −3.2 dBFS.',
    );
    assert.match(
      measuredAnswer('loudness', facts({ lufs: null })).text,
      /^No integrated loudness: the region is shorter than 400 ms or below the −70 LUFS gate/,
    );
    assert.equal(
      measuredAnswer('truePeak', facts({ truePeakDbtp: -0.4 })).text,
      'Sample peak −3.2 dBFS, true peak −0.4 dBTP (ITU-R BS.1770-4) — above the −1 dBTP ceiling of EBU R 128.',
    );
    assert.match(measuredAnswer('dcOffset', facts({ dcOffset: -0.004 })).text, /^Yes — noticeable: DC offset −0\.00400 of full scale \(−48\.0 dBFS\)/);
    assert.match(measuredAnswer('dcOffset', facts()).text, /^Negligible/);
    assert.equal(measuredAnswer('silence', facts({ peakDbfs: null, rmsDbfs: null })).text, 'Yes — digital silence: every sample is zero.');
    assert.equal(measuredAnswer('silence', facts({ peakDbfs: -72.1 })).text, 'Yes — near silence: sample peak −72.1 dBFS, below −60 dBFS.');
    assert.match(measuredAnswer('silence', facts()).text, /^No — sample peak −3\.2 dBFS/);
    assert.equal(measuredAnswer('duration', facts()).text, '2.500 s (0:02.500), 120 000 frames at 48 000 Hz.');
    assert.equal(measuredAnswer('sampleRate', facts()).text, '48 000 Hz, 24-bit.');
    assert.equal(measuredAnswer('sampleRate', facts({ bitDepth: null })).text, '48 000 Hz, a lossy codec (no fixed bit depth).');
    assert.equal(measuredAnswer('channels', facts()).text, '2 channels (stereo).');
  });
  it('every measure names its standard and the figures it used', () => {
    for (const measure of MEASURES) {
      const answer = measuredAnswer(measure, facts());
      assert.ok(answer.standard.length > 0, measure);
      assert.ok(Object.keys(answer.facts).length > 0, measure);
    }
    assert.equal(clock(61.5), '1:01.500');
  });
});
