import { writeFileSync } from 'node:fs';

/** A 16-bit PCM mono WAV of a sine, for tests that need a real audio file; an amplitude above 1 clips it hard. */
export function sineWav(seconds: number, frequency = 440, sampleRate = 16000, amplitude = 0.5): Buffer {
  const frames = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) {
    const value = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
    data.writeInt16LE(Math.max(-32767, Math.min(32767, value)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export function writeSineWav(path: string, seconds: number, frequency?: number, sampleRate?: number, amplitude?: number): string {
  writeFileSync(path, sineWav(seconds, frequency, sampleRate, amplitude));
  return path;
}
