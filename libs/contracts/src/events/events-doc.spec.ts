import { readFileSync } from 'node:fs';
import { EVENTS_DOC_PATH, renderEventsDoc } from '../../../../scripts/generate-events-doc';
import { EVENT_PARSERS } from './index';

describe('docs/events.md', () => {
  it('is what the event contracts generate (run `npm run docs:events` after changing a contract)', () => {
    expect(readFileSync(EVENTS_DOC_PATH, 'utf8')).toBe(renderEventsDoc());
  });

  it('has a section for every event type, at its current schema version', () => {
    const doc = renderEventsDoc();
    for (const parser of EVENT_PARSERS) {
      for (const [type, version] of Object.entries(parser.schemaVersions)) {
        expect(doc).toContain(`#### \`${type}\` (schema version ${version})`);
      }
    }
  });
});
