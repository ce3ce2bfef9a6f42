/**
 * Synced audiences in the stack: their admin routes exist for the CLI and the console, and the
 * holdout key is its own secret, encrypted with the data key, kept on stack deletion, and readable
 * by the admin function alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SYNCED_AUDIENCE_ROUTES } from '../../shared/api/routes/synced-audiences.js';
import { stackTemplate } from './template.js';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
let resources: Record<string, Resource>;

beforeAll(() => {
  resources = stackTemplate().Resources as Record<string, Resource>;
});

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('synced audiences in the stack', () => {
  it('adds every synced-audience route for the CLI and the console', () => {
    const keys = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey as string);
    for (const spec of Object.values(SYNCED_AUDIENCE_ROUTES)) {
      expect(keys).toContain(`${spec.method} ${spec.path}`);
      expect(keys).toContain(`${spec.method} /api${spec.path}`);
    }
  });

  it('keeps the holdout key in its own retained secret that only the admin function reads', () => {
    const [secretId, secret] = ofType('AWS::SecretsManager::Secret').find(([id]) =>
      id.startsWith('DataAudienceHoldoutKey'),
    )!;
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(secret.Properties.KmsKeyId)).toContain('DataKey');
    expect(secret.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);

    const readers = [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy')].filter(([, p]) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).some(
        (s) =>
          actions(s).includes('secretsmanager:GetSecretValue') &&
          JSON.stringify(s.Resource).includes(secretId),
      ),
    );
    const admin = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('AdminFunction'))!;
    const adminRole = /"([A-Za-z0-9]+)"/.exec(JSON.stringify(admin[1].Properties.Role))![1]!;
    expect(readers.map(([, p]) => JSON.stringify(p.Properties.Roles))).toEqual([
      expect.stringContaining(adminRole),
    ]);
    expect(JSON.stringify(admin[1].Properties.Environment.Variables.AUDIENCE_HOLDOUT_KEY_ARN)).toContain(
      secretId,
    );
  });
});
