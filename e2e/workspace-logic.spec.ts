import { expect, test } from '@playwright/test';
import { formatClock } from '../src-renderer/lib/format';
import { PeakTrack } from '../src-renderer/workspace/peak-track';
import { shortcutFor } from '../src-renderer/workspace/shortcuts';
import { analysisShape, computeSpectrogram, decodeSamples, smoothSize } from '../src-renderer/workspace/spectrogram/compute';
import { PRESETS } from '../src-renderer/workspace/spectrogram/presets';
import { stepDigits, tickStep, withAlpha } from '../src-renderer/workspace/time';

/** The audio workspace's logic that needs no browser: peaks bookkeeping, spectrogram maths, shortcuts, times. */

const sine = (frequency: number, amplitude: number, sampleRate: number, seconds: number) =>
  Float32Array.from({ length: Math.round(sampleRate * seconds) }, (_, n) => amplitude * Math.sin((2 * Math.PI * frequency * n) / sampleRate));

/** The row of a spectrogram image with the darkest/brightest level in column `x` (by the red channel). */
function loudestRow(pixels: Uint8ClampedArray, width: number, height: number, x: number, darkIsLoud: boolean): number {
  let best = 0;
  let bestValue = darkIsLoud ? 256 : -1;
  for (let r = 0; r < height; r++) {
    const v = pixels[(r * width + x) * 4] as number;
    if (darkIsLoud ? v < bestValue : v > bestValue) {
      bestValue = v;
      best = r;
    }
  }
  return best;
}

test.describe('peak track', () => {
  test('picks a base resolution that fits, fills coarse then fine, never coarse over fine', () => {
    const short = new PeakTrack(16_000, 16_000 * 6, 2);
    expect(short.spp).toBe(4);
    const long = new PeakTrack(48_000, 48_000 * 7200, 2);
    expect(long.spp).toBe(256);
    expect(long.length * long.channels).toBeLessThanOrEqual(3 << 20);

    const track = new PeakTrack(8000, 8000 * 10, 1);
    expect(track.covered(0, 10, 1024)).toBe(false);
    // A coarse window (1024 frames per peak) over the whole file.
    const coarse = { sampleRate: 8000, samplesPerPeak: 1024, start: 0, duration: 10, channels: [{ min: Array(79).fill(-0.5), max: Array(79).fill(0.5) }] };
    expect(track.fill(coarse)).toBe(true);
    expect(track.covered(0, 10, 1024)).toBe(true);
    expect(track.covered(0, 10, 256)).toBe(false);
    // A finer one over 1 s – 2 s.
    const fine = { sampleRate: 8000, samplesPerPeak: 256, start: 1, duration: 10, channels: [{ min: Array(32).fill(-0.25), max: Array(32).fill(0.25) }] };
    expect(track.fill(fine)).toBe(true);
    expect(track.covered(1, 2, 256)).toBe(true);
    expect(track.maxAll[Math.round((1.5 * 8000) / track.spp)]).toBeCloseTo(0.25);
    // The coarse window again does not overwrite the finer values.
    track.fill(coarse);
    expect(track.maxAll[Math.round((1.5 * 8000) / track.spp)]).toBeCloseTo(0.25);
    expect(track.maxAll[Math.round((5 * 8000) / track.spp)]).toBeCloseTo(0.5);
  });

  test('samples give the finest level, per channel and for the envelope', () => {
    const track = new PeakTrack(1000, 1000, 2);
    const left = Float32Array.from({ length: 100 }, (_, i) => (i % 2 ? 0.9 : -0.1));
    const right = Float32Array.from({ length: 100 }, () => -0.7);
    expect(track.fillFromSamples([left, right], 200)).toBe(true);
    const i = 200 / track.spp + 1;
    expect(track.max[0]?.[i]).toBeCloseTo(0.9);
    expect(track.min[0]?.[i]).toBeCloseTo(-0.1);
    expect(track.maxAll[i]).toBeCloseTo(0.9);
    expect(track.minAll[i]).toBeCloseTo(-0.7);
    expect(track.covered(0.2, 0.3, 1)).toBe(true);
    expect(track.arrays(true)).toHaveLength(4);
    expect(track.arrays(false)).toHaveLength(2);
  });
});

test.describe('spectrogram', () => {
  test('FFT sizes are 2·3·5-smooth; Praat-like windows are 2 × 5 ms with a 20 Hz step', () => {
    expect([800, 1103, 2205, 4097].map(smoothSize)).toEqual([800, 1125, 2250, 4320]);
    const praat = analysisShape(PRESETS.praat, 16_000);
    expect(praat.window.length).toBe(160);
    expect(praat.fftSize).toBe(800);
    expect(analysisShape(PRESETS['sound-design'], 44_100).fftSize).toBe(2048);
  });

  test('a full-scale sine reads 0 dBFS at its frequency (sound design: log axis, 100 dB, full-scale reference)', () => {
    const sampleRate = 16_000;
    const image = computeSpectrogram({
      samples: sine(1000, 1, sampleRate, 1),
      sampleRate,
      samplesStart: 0,
      viewStart: 0.2,
      viewEnd: 0.8,
      width: 40,
      height: 200,
      preset: PRESETS['sound-design'],
    });
    expect(image.maxHz).toBe(8000);
    expect(image.topDb).toBe(0);
    const row = loudestRow(image.pixels, 40, 200, 20, false);
    // Row → frequency on the log axis (row 0 at the top).
    const hz = image.minHz * (image.maxHz / image.minHz) ** ((200 - row - 0.5) / 200);
    expect(hz).toBeGreaterThan(900);
    expect(hz).toBeLessThan(1100);
    // The top of the palette (0 dB) is reached: the brightest pixel is near the palette's end.
    expect(image.pixels[(row * 40 + 20) * 4]).toBeGreaterThan(240);
  });

  test('Praat-like: 0–5 kHz, darkest at the tone, white 50 dB below the loudest point', () => {
    const sampleRate = 22_050;
    const samples = sine(2000, 0.1, sampleRate, 0.5);
    const image = computeSpectrogram({ samples, sampleRate, samplesStart: 0, viewStart: 0.1, viewEnd: 0.4, width: 30, height: 100, preset: PRESETS.praat });
    expect(image.minHz).toBe(0);
    expect(image.maxHz).toBe(5000);
    const row = loudestRow(image.pixels, 30, 100, 15, true);
    const hz = ((100 - row - 0.5) / 100) * 5000;
    expect(Math.abs(hz - 2000)).toBeLessThan(100);
    expect(image.pixels[(row * 30 + 15) * 4]).toBeLessThan(10);
    // Far from the tone (4.5 kHz) the level is more than 50 dB down: white.
    const far = Math.round(100 - (4500 / 5000) * 100);
    expect(image.pixels[(far * 30 + 15) * 4]).toBe(255);
  });

  test('base64 samples decode as little-endian Float32', () => {
    const values = new Float32Array([0, 0.5, -1, 0.25]);
    const base64 = Buffer.from(values.buffer).toString('base64');
    expect([...decodeSamples(base64)]).toEqual([0, 0.5, -1, 0.25]);
  });
});

test.describe('shortcuts and times', () => {
  const key = (key: string, extra: Partial<KeyboardEventInit> = {}) =>
    ({ key, code: key === ' ' ? 'Space' : '', shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, ...extra }) as KeyboardEvent;

  test('keys map to workspace actions; modified keys are left to the shell', () => {
    expect(shortcutFor(key(' '))).toBe('play-pause');
    expect(shortcutFor(key(' ', { shiftKey: true }))).toBe('play-region');
    expect(shortcutFor(key('l'))).toBe('loop');
    expect(shortcutFor(key('z'))).toBe('zoom-in');
    expect(shortcutFor(key('Z', { shiftKey: true }))).toBe('zoom-out');
    expect(shortcutFor(key('ArrowLeft'))).toBe('nudge-left');
    expect(shortcutFor(key('ArrowRight', { shiftKey: true }))).toBe('nudge-right');
    expect(shortcutFor(key('Delete'))).toBe('delete');
    expect(shortcutFor(key('Escape'))).toBe('deselect');
    expect(shortcutFor(key('o', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('z', { metaKey: true }))).toBeNull();
  });

  test('clock, ticks and colours', () => {
    expect(formatClock(0)).toBe('0:00.000');
    expect(formatClock(61.2345)).toBe('1:01.235');
    expect(formatClock(7200)).toBe('2:00:00.000');
    expect(formatClock(59.9996)).toBe('1:00.000');
    expect(formatClock(3.5, 0)).toBe('0:04');
    expect(tickStep(100)).toBe(1);
    expect(tickStep(0.0757)).toBe(1800);
    expect(stepDigits(0.05)).toBe(2);
    expect(stepDigits(5)).toBe(0);
    expect(withAlpha('#1f9d6b', 0.38)).toBe('rgba(31, 157, 107, 0.38)');
  });
});
