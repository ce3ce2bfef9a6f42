/**
 * The identity hash keyring in Secrets Manager (the stack's IdentityHashKey secret): read it, and write
 * a rotated keyring as the secret's new current version. Functions read the secret at cold start, so a
 * new version takes effect as they cold-start (docs/privacy.md §8).
 */
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { type Keyring, parseKeyring } from '../../domain/privacy/keyed-hash.js';

/** The keyring secret named by `secretId` (ARN or name). */
export class SecretsManagerKeyring {
  constructor(
    private readonly options: { readonly client: SecretsManagerClient; readonly secretId: string },
  ) {}

  /** The current version's keyring; HashKeyUnavailableError when the value is not one. */
  async read(): Promise<Keyring> {
    const out = await this.options.client.send(
      new GetSecretValueCommand({ SecretId: this.options.secretId }),
    );
    return parseKeyring(out.SecretString, `secret ${this.options.secretId}`);
  }

  /** Writes the keyring as a new version (staged AWSCURRENT by Secrets Manager). */
  async write(keyring: Keyring): Promise<void> {
    await this.options.client.send(
      new PutSecretValueCommand({ SecretId: this.options.secretId, SecretString: JSON.stringify(keyring) }),
    );
  }
}
