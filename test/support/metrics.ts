/**
 * Reading a Prometheus text exposition (what `/metrics` answers, or the registry of this process through
 * metricsText()) in tests.
 */

/** The value of one series (`name{label="value",...}`, labels in the order the registry writes them); NaN if absent. */
export function sampleOf(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

/** The metric names a scrape declares (`# TYPE`) or has samples of (histogram series by their family's name). */
export function metricNamesOf(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE (\S+) /.exec(line);
    if (declared) names.add(declared[1]);
    else if (line && !line.startsWith('#')) names.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]);
  }
  for (const name of [...names]) {
    const family = /^(.*)_(bucket|count|sum)$/.exec(name);
    if (family && names.has(family[1])) names.add(name);
  }
  return names;
}

/** Scrapes `url` (a service's `/metrics`). */
export async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}
