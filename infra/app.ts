/** CDK app entry: `npx cdk synth|deploy [-c config=path/to/feltfit.json]`. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../shared/config/load.js';
import { FeltfitStack } from './stack.js';

/**
 * Builds the app with cdk-nag's AwsSolutions checks attached; findings fail synth. `bundle: false`
 * skips bundling the functions (the template is the same; asset paths point at sources), for tests
 * that read only the template.
 */
export function buildApp(options: { outdir?: string; configPath?: string; bundle?: boolean } = {}): {
  app: App;
  stack: FeltfitStack;
} {
  // Asset metadata (the CLI turns it on) tells the local runtime where each bundled handler is.
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  const configPath = options.configPath ?? (app.node.tryGetContext('config') as string | undefined);
  const config = loadConfig(configPath);
  const stack = new FeltfitStack(app, 'Feltfit', {
    config,
    description: 'Feltfit customer-experience AI and marketing automation',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
