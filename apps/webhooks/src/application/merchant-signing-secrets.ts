import type { Repository } from 'typeorm';
import type { SecretBox } from '../infrastructure/secret-box';
import type { WebhookMerchantSecretEntity } from '../infrastructure/webhook.entities';

/**
 * Each merchant's default signing secret, for the deliveries to a charge's or an agreement's own `webhooksUrl`
 * (endpoints have their own). Created with the merchant and shown once (`npm run merchant:create` prints it), rotated
 * like an endpoint's secret: the new one is shown once and the previous one keeps signing until the overlap ends. A
 * merchant without one (made before this existed, or by the CLI without WEBHOOK_SECRETS_KEY) gets its first from the
 * rotation route, shown once too; never one made behind its back, which nobody could verify deliveries with: until
 * then its webhooksUrl deliveries are held (SIGNING_SECRET_MISSING). Plain TypeScript over the entity's repository,
 * so the merchant CLI uses it outside Nest too.
 */
export class MerchantSigningSecrets {
  constructor(
    private readonly secrets: Repository<WebhookMerchantSecretEntity>,
    private readonly box: SecretBox,
    private readonly clock: { now(): Date },
    private readonly rotationOverlapMs: number,
  ) {}

  /** Creates the merchant's secret and answers it (to show once); null when the merchant has one already. */
  async create(merchantId: string): Promise<string | null> {
    const { secret, sealed } = this.box.issue();
    const now = this.clock.now();
    const { raw } = await this.secrets
      .createQueryBuilder()
      .insert()
      .values({
        merchantId,
        secrets: sealed,
        createdAt: now,
        updatedAt: now,
      })
      .orIgnore()
      .returning(['merchantId'])
      .execute();
    // The rows the insert returned: none when the merchant had a secret already (ON CONFLICT DO NOTHING).
    return (raw as unknown[]).length > 0 ? secret : null;
  }

  /** A new secret, answered once; the one it replaces signs too for the overlap. Creates the first one if none. */
  async rotate(merchantId: string): Promise<{ secret: string; previousSecretExpiresAt: Date | null }> {
    const created = await this.create(merchantId);
    if (created !== null) return { secret: created, previousSecretExpiresAt: null };
    const row = await this.secrets.findOneByOrFail({ merchantId });
    const now = this.clock.now();
    const secret = this.box.rotate(row.secrets, now, this.rotationOverlapMs);
    row.updatedAt = now;
    await this.secrets.save(row);
    return { secret, previousSecretExpiresAt: row.secrets.previousSecretExpiresAt };
  }

  /** The secrets that sign a delivery now: the current one and the previous one; none when the merchant has none. */
  async signingSecretsOf(merchantId: string): Promise<string[]> {
    const row = await this.secrets.findOneBy({ merchantId });
    return row ? this.box.signingSecrets(row.secrets, this.clock.now()) : [];
  }
}
