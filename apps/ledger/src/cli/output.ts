import type { Writable } from 'node:stream';

/**
 * Writes `chunk` and, when the stream's buffer is full (`write` returned false), waits for it to drain: a producer
 * faster than its reader (a pipe into `gzip`, a slow disk) then waits instead of piling the output up in memory.
 * A stream that fails or closes meanwhile (a reader that went away) rejects. Its listeners are removed again, so a
 * long export adds none per page.
 */
export function writeWithBackpressure(stream: Writable, chunk: string): Promise<void> {
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (error: Error) => done(error);
    const onClose = () => done(new Error('the output was closed before the export ended'));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
