import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { LOCAL_ACCOUNT, LOCAL_REGION, type Resolver } from './template.js';

/**
 * The template's Secrets Manager secrets, generated once into `dir` (as GenerateSecretString would),
 * served the way the AWS Parameters and Secrets Lambda extension serves them on localhost
 * (`GET /secretsmanager/get?secretId=ARN`), so functions read them with the same code as in AWS.
 */
export class LocalSecrets {
  private readonly values = new Map<string, string>();
  private server?: Server;

  constructor(resolver: Resolver, dir: string) {
    for (const [id, res] of resolver.ofType('AWS::SecretsManager::Secret')) {
      const arn = `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${id}`;
      resolver.bind(id, { ref: arn, attrs: { Id: arn } });
      const file = join(dir, `${id}.secret`);
      if (!existsSync(file)) {
        mkdirSync(dir, { recursive: true });
        const spec = (res.Properties?.GenerateSecretString ?? {}) as { PasswordLength?: number };
        const length = spec.PasswordLength ?? 32;
        writeFileSync(file, randomBytes(length).toString('base64url').slice(0, length), { mode: 0o600 });
      }
      this.values.set(arn, readFileSync(file, 'utf8'));
    }
  }

  /** Serves the extension's HTTP interface; returns the port. */
  listen(): Promise<number> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const id = url.searchParams.get('secretId') ?? '';
      const value = this.values.get(id);
      if (url.pathname !== '/secretsmanager/get' || value === undefined) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'secret not found' }));
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ARN: id, Name: id, SecretString: value }));
    });
    return new Promise((resolve) => {
      this.server!.listen(0, '127.0.0.1', () => {
        const addr = this.server!.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
