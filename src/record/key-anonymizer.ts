import { createHmac, randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';

/**
 * `record --hash-keys`: every key becomes the first 16 hex digits (64 bits) of HMAC-SHA-256(salt, key).
 * A plain hash would not anonymise: keys like `user:1234` are guessed and hashed by anyone. With a secret
 * salt they cannot be, while equal keys still map to equal names, which is all a cache replay needs.
 * 64 bits keep collisions negligible (about 3 in 10^4 for 10^8 distinct keys). The salt is printed so
 * that a later recording with `--hash-salt` names the same keys the same; keep it private.
 */
export class KeyAnonymizer {
  private constructor(private readonly salt: Buffer) {}

  static withRandomSalt(): KeyAnonymizer {
    return new KeyAnonymizer(randomBytes(16));
  }

  /** `hex`: the salt printed by an earlier recording (at least 8 bytes). */
  static withSalt(hex: string): KeyAnonymizer {
    if (!/^(?:[0-9a-fA-F]{2}){8,}$/.test(hex)) {
      throw new InputError(
        `--hash-salt: expected the hex salt an earlier recording printed (16 or more hex digits); got "${hex}"`,
      );
    }
    return new KeyAnonymizer(Buffer.from(hex, 'hex'));
  }

  get saltHex(): string {
    return this.salt.toString('hex');
  }

  anonymize(key: Uint8Array): string {
    return createHmac('sha256', this.salt).update(key).digest('hex').slice(0, 16);
  }
}
