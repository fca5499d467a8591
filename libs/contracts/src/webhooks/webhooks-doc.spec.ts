import { readFileSync } from 'node:fs';
import { renderWebhooksDoc, WEBHOOKS_DOC_PATH } from '../../../../scripts/generate-webhooks-doc';
import { WEBHOOK_EVENT_TYPE_DEFINITIONS, WEBHOOK_EVENT_TYPES } from './webhook-event-types';

describe('docs/webhooks.md', () => {
  it('is what the webhook event types generate (run `npm run docs:webhooks` after changing one)', () => {
    expect(readFileSync(WEBHOOKS_DOC_PATH, 'utf8')).toBe(renderWebhooksDoc());
  });

  it('has a section for every webhook event type, with its meaning and data shape', () => {
    const doc = renderWebhooksDoc();
    for (const type of WEBHOOK_EVENT_TYPES) {
      const section = doc.slice(doc.indexOf(`### \`${type}\`\n`));
      expect(section).not.toBe(doc);
      expect(section).toContain(WEBHOOK_EVENT_TYPE_DEFINITIONS[type].meaning);
      expect(section).toContain(`- Data: \`${WEBHOOK_EVENT_TYPE_DEFINITIONS[type].dataSchema}\``);
    }
  });

  it('says how to verify and what the retry schedule is', () => {
    const doc = renderWebhooksDoc();
    for (const words of [
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      "from 'standardwebhooks'",
      '24 hours',
    ]) {
      expect(doc).toContain(words);
    }
    expect(doc).toMatch(
      /immediately, after\s+5 seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours, 14 hours, 20 hours and 24\s+hours/,
    );
  });
});
