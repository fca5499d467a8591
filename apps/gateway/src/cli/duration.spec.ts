import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400_000],
    ['15m', 900_000],
    ['90s', 90_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['0', 0],
    ['1500', 1_500],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '-1h', '1.5h', '1w', '24 hours', '1h30m'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
