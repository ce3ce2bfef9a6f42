import { describe, expect, it, vi } from 'vitest';
import { withInjectedBedrockFaults } from '../../../shared/adapters/bedrock/faulty-generator.js';
import { withRetry } from '../../../shared/adapters/bedrock/retry.js';
import { defaultPlaybook } from '../../../shared/config/content.js';
import { GenerationUnavailableError } from '../../../shared/domain/content/errors.js';
import { OfflineGenerator } from '../../../shared/domain/content/offline.js';
import type { Generator } from '../../../shared/ports/content.js';
import { brief } from './support.js';

const retry = {
  maxAttempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 1,
  timeoutMs: 1000,
  sleep: async () => undefined,
};
const request = {
  brief: brief({ channel: 'email', intent: 'onboarding' }),
  playbook: defaultPlaybook,
  index: 0,
  maxTokens: 500,
};

/** The offline generator, counting its calls. */
function counted(): { generator: Generator; calls: () => number } {
  const offline = new OfflineGenerator({ playbook: defaultPlaybook });
  let calls = 0;
  return {
    generator: {
      kind: offline.kind,
      model: offline.model,
      generate: (r) => {
        calls++;
        return offline.generate(r);
      },
    },
    calls: () => calls,
  };
}

const env = (spec: string) => ({ FELTFIT_SDK_FAULTS: spec, AWS_LAMBDA_FUNCTION_NAME: 'generate-content' });

describe('the offline generator under FELTFIT_FAULTS bedrock faults', () => {
  it('is the offline generator itself when no bedrock fault is set', () => {
    const { generator } = counted();
    expect(withInjectedBedrockFaults(generator, retry, env('ses=timeout:0.5'))).toBe(generator);
    expect(withInjectedBedrockFaults(generator, retry, {})).toBe(generator);
  });

  it('retries failed attempts as Converse’s are retried and then answers the same copy', async () => {
    const { generator, calls } = counted();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const faulty = withInjectedBedrockFaults(generator, retry, env('bedrock=error:0.3,seed=4'));
      const results = [];
      for (let i = 0; i < 20; i++) results.push(await faulty.generate(request));
      const expected = await new OfflineGenerator({ playbook: defaultPlaybook }).generate(request);
      expect(results.every((r) => JSON.stringify(r) === JSON.stringify(expected))).toBe(true);
      // Some attempts failed (a 500 before the model ran) and were retried; none reached the caller.
      const injected = warn.mock.calls.filter((c) =>
        String(c[0]).includes('injected generation fault'),
      ).length;
      expect(injected).toBeGreaterThan(0);
      expect(calls()).toBe(20);
    } finally {
      warn.mockRestore();
    }
  });

  it('gives up with GenerationUnavailableError (HTTP 503) when every attempt fails', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const errors = counted();
      await expect(
        withInjectedBedrockFaults(errors.generator, retry, env('bedrock=error:1')).generate(request),
      ).rejects.toBeInstanceOf(GenerationUnavailableError);
      expect(errors.calls()).toBe(0);
      // A timeout is the model having written copy whose answer was lost: it ran every attempt.
      const timeouts = counted();
      await expect(
        withInjectedBedrockFaults(timeouts.generator, retry, env('bedrock=timeout:1')).generate(request),
      ).rejects.toThrow(/Converse failed after 4 attempts \(TimeoutError\)/);
      expect(timeouts.calls()).toBe(4);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('retrying Bedrock calls', () => {
  it('retries a server fault (InternalServerException, any 5xx) but not a client error', async () => {
    let calls = 0;
    const server = Object.assign(new Error('boom'), { name: 'InternalServerException', $fault: 'server' });
    expect(
      await withRetry(retry, 'Converse', async () => {
        if (calls++ === 0) throw server;
        return 'ok';
      }),
    ).toBe('ok');
    const validation = Object.assign(new Error('bad'), { name: 'ValidationException', $fault: 'client' });
    calls = 0;
    await expect(
      withRetry(retry, 'Converse', async () => {
        calls++;
        throw validation;
      }),
    ).rejects.toBe(validation);
    expect(calls).toBe(1);
  });
});
