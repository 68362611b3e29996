import { writeFileSync } from 'node:fs';

export interface ToneOptions {
  seconds: number;
  frequency?: number;
  sampleRate?: number;
  channels?: number;
  /** Peak level, 0..1; above 1 the tone is hard-clipped at full scale. */
  amplitude?: number;
}

/** A 16-bit PCM WAV file holding a sine tone, built byte by byte (RIFF header, fmt and data chunks). */
export function sineWav({ seconds, frequency = 440, sampleRate = 16_000, channels = 1, amplitude = 0.5 }: ToneOptions): Buffer {
  const frames = Math.round(seconds * sampleRate);
  const dataBytes = frames * channels * 2;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(channels, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * channels * 2, 28);
  wav.writeUInt16LE(channels * 2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  for (let frame = 0; frame < frames; frame++) {
    const sample = Math.max(-32767, Math.min(32767, Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * frequency * frame) / sampleRate))));
    for (let channel = 0; channel < channels; channel++) wav.writeInt16LE(sample, 44 + (frame * channels + channel) * 2);
  }
  return wav;
}

export function writeSineWav(path: string, options: ToneOptions): string {
  writeFileSync(path, sineWav(options));
  return path;
}
