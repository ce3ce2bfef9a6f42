/**
 * Reading a synthesized CloudFormation template: resource lookup and a resolver for the few
 * intrinsics CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split).
 */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

/** Raised for a template construct the local runtime cannot run; names the resource. */
export class UnsupportedTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTemplateError';
  }
}

/** What a logical id resolves to locally: its Ref value and its attributes. */
export interface LocalBinding {
  ref: string;
  attrs?: Record<string, string>;
}

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** Resolves intrinsic functions against local bindings; unbound references throw. */
export class Resolver {
  private readonly bindings = new Map<string, LocalBinding>();
  private readonly pseudo: Record<string, string> = {
    'AWS::AccountId': LOCAL_ACCOUNT,
    'AWS::Region': LOCAL_REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'Feltfit',
    'AWS::NoValue': '',
  };

  constructor(readonly template: CfnTemplate) {}

  bind(logicalId: string, binding: LocalBinding): void {
    this.bindings.set(logicalId, binding);
  }

  /** Logical ids of the resources of one type. */
  ofType(type: string): [string, CfnResource][] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  ref(id: string): string {
    const p = this.pseudo[id];
    if (p !== undefined) return p;
    const b = this.bindings.get(id);
    if (!b)
      throw new UnsupportedTemplateError(
        `Ref to ${id} (${this.template.Resources[id]?.Type ?? 'unknown'}) has no local binding`,
      );
    return b.ref;
  }

  getAtt(id: string, attr: string): string {
    const v = this.bindings.get(id)?.attrs?.[attr];
    if (v === undefined) throw new UnsupportedTemplateError(`Fn::GetAtt ${id}.${attr} has no local binding`);
    return v;
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = obj[k];
      switch (k) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg)
            ? (arg as [string, string])
            : (String(arg).split('.') as [string, string]);
          return this.getAtt(id, attr);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).join(sep);
        }
        case 'Fn::Select': {
          const [i, list] = arg as [number | string, unknown];
          return (this.resolve(list) as unknown[])[Number(i)];
        }
        case 'Fn::Split': {
          const [sep, s] = arg as [string, unknown];
          return String(this.resolve(s)).split(sep);
        }
        case 'Fn::Sub': {
          const [tpl, vars] = Array.isArray(arg)
            ? (arg as [string, Record<string, unknown>])
            : [arg as string, {}];
          return tpl.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            if (name.includes('.')) {
              const [id, attr] = name.split('.') as [string, string];
              return this.getAtt(id, attr);
            }
            return this.ref(name);
          });
        }
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(obj[k])]));
  }
}

/**
 * Resources with no local behaviour (queues, topics, keys, log groups, roles, SES configuration sets)
 * still get names and ARNs, so environment variables that refer to them resolve.
 */
export function bindPassiveResources(resolver: Resolver): void {
  const arn = (service: string, rest: string) =>
    `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;
  for (const [id, res] of Object.entries(resolver.template.Resources)) {
    const p = res.Properties ?? {};
    switch (res.Type) {
      case 'AWS::SES::ConfigurationSet':
        resolver.bind(id, { ref: String(p.Name ?? id) });
        break;
      case 'AWS::SQS::Queue': {
        // Named as in AWS, so the local failure queues (infra/local/async-invoke.ts) carry the names
        // `feltfit dlq` shows for a deployed stack.
        const name = String(p.QueueName ?? id);
        resolver.bind(id, {
          ref: `http://localhost/queue/${name}`,
          attrs: { Arn: arn('sqs', name), QueueName: name, QueueUrl: `http://localhost/queue/${name}` },
        });
        break;
      }
      case 'AWS::SNS::Topic':
        resolver.bind(id, {
          ref: arn('sns', String(p.TopicName ?? id)),
          attrs: { TopicArn: arn('sns', String(p.TopicName ?? id)) },
        });
        break;
      case 'AWS::KMS::Key':
        resolver.bind(id, { ref: id, attrs: { Arn: arn('kms', `key/${id}`), KeyId: id } });
        break;
      case 'AWS::Logs::LogGroup':
        resolver.bind(id, { ref: id, attrs: { Arn: arn('logs', `log-group:${id}`) } });
        break;
      case 'AWS::Cognito::UserPool':
        // Locally the console's users are FELTFIT_DATA_DIR/console-users.json; a function that is
        // handed the pool's id (the admin function's user list) sees a placeholder it never calls.
        resolver.bind(id, {
          ref: `${LOCAL_REGION}_local`,
          attrs: {
            Arn: arn('cognito-idp', `userpool/${LOCAL_REGION}_local`),
            UserPoolId: `${LOCAL_REGION}_local`,
          },
        });
        break;
      case 'AWS::IAM::Role':
        resolver.bind(id, {
          ref: id,
          attrs: { Arn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${id}`, RoleId: id },
        });
        break;
    }
  }
}
