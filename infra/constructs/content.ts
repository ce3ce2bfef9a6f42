import { Duration, Stack } from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ChannelsConfig } from '../../shared/config/channels.js';
import type { ContentConfig } from '../../shared/config/content.js';
import { guardrailCdkProps } from '../../shared/domain/content/guardrail.js';
import { API_SCOPED, type Api } from './api.js';
import type { Data } from './data.js';
import { FeltfitFunction } from './feltfit-function.js';

export interface ContentProps {
  readonly api: Api;
  readonly data: Data;
  readonly config: ContentConfig;
  /** The send settings a preview mirrors (the marketing footer, the SMS opt-out line). */
  readonly channels?: ChannelsConfig;
  /** Bedrock model id; unset → the offline generator (no Bedrock resources are created). */
  readonly bedrockModelId?: string;
  readonly logRetentionDays: logs.RetentionDays;
}

/**
 * Content: generation (Bedrock Converse under a Guardrail built from the brand playbook, or the
 * offline generator), checks, and human review through the admin API.
 */
export class Content extends Construct {
  constructor(scope: Construct, id: string, props: ContentProps) {
    super(scope, id);
    const env: Record<string, string> = { CONTENT_CONFIG: JSON.stringify(props.config) };
    const region = Stack.of(this).region;
    const statements: iam.PolicyStatement[] = [];
    if (props.bedrockModelId) {
      const guardrail = new bedrock.CfnGuardrail(
        this,
        'Guardrail',
        guardrailCdkProps(props.config.playbook) as unknown as bedrock.CfnGuardrailProps,
      );
      const version = new bedrock.CfnGuardrailVersion(this, 'GuardrailVersion', {
        guardrailIdentifier: guardrail.attrGuardrailId,
        description: 'Playbook at deploy time',
      });
      env.BEDROCK_MODEL_ID = props.bedrockModelId;
      env.BEDROCK_GUARDRAIL_ID = guardrail.attrGuardrailId;
      env.BEDROCK_GUARDRAIL_VERSION = version.attrVersion;
      statements.push(
        new iam.PolicyStatement({
          actions: ['bedrock:InvokeModel'],
          resources: [`arn:aws:bedrock:${region}::foundation-model/${props.bedrockModelId}`],
        }),
        new iam.PolicyStatement({
          actions: ['bedrock:ApplyGuardrail'],
          resources: [guardrail.attrGuardrailArn],
        }),
      );
    }
    const fn = (cid: string, name: string, description: string, timeout: Duration) => {
      const f = new FeltfitFunction(this, cid, {
        name,
        description,
        logRetentionDays: props.logRetentionDays,
        environment: env,
        timeout,
      });
      props.data.bind(f, 'content', 'rw');
      for (const s of statements) f.addToRolePolicy(s);
      return f;
    };
    const generate = fn(
      'Generate',
      'generate-content',
      'Generates checked content variants',
      Duration.seconds(120),
    );
    const review = fn('Review', 'review-content', 'Lists and reviews content variants', Duration.seconds(15));
    // Previews render copy with a person's traits: read-only on profiles, and the send's settings.
    props.data.bind(review, 'profiles', 'r');
    if (props.channels) review.addEnvironment('CHANNELS_CONFIG', JSON.stringify(props.channels));
    props.api.addAdminRoutesOf(
      'generate',
      new HttpLambdaIntegration('ContentGenerate', generate, API_SCOPED),
    );
    props.api.addAdminRoutesOf('content', new HttpLambdaIntegration('ContentReview', review, API_SCOPED));
  }
}
