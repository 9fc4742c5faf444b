import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DisabledException, GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { buildKmsKeyring } from '#shared/adapters/kms/kms-keyring.ts';
import { buildEmfMetrics } from '#shared/adapters/metrics.ts';
import { metricNames } from '#shared/metric-names.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { unmodeledKmsError } from './support.ts';

const keyId = 'arn:aws:kms:eu-west-2:111122223333:key/hmac-key';
const kms = mockClient(KMSClient);
const keyring = buildKmsKeyring(new KMSClient({ region: 'eu-west-2' }), keyId);

beforeEach(() => kms.reset());

describe('KMS keyring', () => {
  it('sends GenerateMac with the key, HMAC_SHA_256 and the UTF-8 bytes of the message, and returns the MAC', async () => {
    const mac = Uint8Array.from([1, 2, 3, 4]);
    kms.on(GenerateMacCommand).resolves({ Mac: mac, KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256' });

    await expect(keyring.mac('v1|name|zoë')).resolves.toEqual(mac);

    expect(kms).toHaveReceivedCommandTimes(GenerateMacCommand, 1);
    const input = kms.commandCalls(GenerateMacCommand)[0]!.args[0].input;
    expect(input.KeyId).toBe(keyId);
    expect(input.MacAlgorithm).toBe('HMAC_SHA_256');
    expect(Buffer.from(input.Message!).equals(Buffer.from('v1|name|zoë', 'utf8'))).toBe(true);
  });

  it('fails when KMS returns no MAC rather than producing an empty token', async () => {
    kms.on(GenerateMacCommand).resolves({});
    await expect(keyring.mac('v1|name|a')).rejects.toThrow('returned no MAC');
  });

  it('turns throttling into a 503 with Retry-After, keeping the KMS error as the cause', async () => {
    const throttled = unmodeledKmsError('ThrottlingException', 'Rate exceeded');
    kms.on(GenerateMacCommand).rejects(throttled);

    const error = await keyring.mac('v1|name|a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(error).toMatchObject({ kind: 'dependency_unavailable', retryAfterSeconds: 1, cause: throttled });
    expect((error as Error).message).not.toContain('Rate exceeded');
  });

  it('counts each throttling as a KmsThrottled metric point, written by Powertools Metrics in the Embedded Metric Format', async () => {
    kms.on(GenerateMacCommand).rejects(unmodeledKmsError('ThrottlingException', 'Rate exceeded'));
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((line) => lines.push(String(line)) > 0);
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Peerguard/dev');
    try {
      // Built as runtime-aws.ts builds it: the namespace comes from the stack's environment.
      const counting = buildKmsKeyring(new KMSClient({ region: 'eu-west-2' }), keyId, 'k1', [{ version: 'k0', keyId: 'old' }], buildEmfMetrics());
      await counting.mac('v1|name|a').catch(() => undefined);
      await counting.previous![0]!.mac('v1|name|a').catch(() => undefined);
      kms.on(GenerateMacCommand).rejects(new DisabledException({ message: 'disabled', $metadata: {} }));
      await counting.mac('v1|name|a').catch(() => undefined);
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    const points = lines.map((line) => JSON.parse(line));
    expect(points).toHaveLength(2); // the current key's and the previous key's throttling; not the disabled key
    for (const point of points) {
      expect(point).toMatchObject({
        _aws: { CloudWatchMetrics: [{ Namespace: 'Peerguard/dev', Dimensions: [['service']], Metrics: [{ Name: metricNames.kmsThrottled, Unit: 'Count' }] }] },
        service: 'peerguard',
        [metricNames.kmsThrottled]: 1,
      });
    }
  });

  it('turns a disabled key into a 503', async () => {
    kms.on(GenerateMacCommand).rejects(new DisabledException({ message: 'key is disabled', $metadata: {} }));
    await expect(keyring.mac('v1|name|a')).rejects.toMatchObject({ name: 'DependencyUnavailableError', kind: 'dependency_unavailable', retryAfterSeconds: 30 });
  });

  it('rethrows anything else unchanged (a misconfiguration stays a 500)', async () => {
    const denied = unmodeledKmsError('AccessDeniedException', 'not authorized to kms:GenerateMac');
    kms.on(GenerateMacCommand).rejects(denied);
    await expect(keyring.mac('v1|name|a')).rejects.toBe(denied);
  });
});

describe('KMS keyring during a key rotation', () => {
  it('makes new tokens with the current key and looks up with the replaced one too, each by its own key id', async () => {
    const oldKey = 'arn:aws:kms:eu-west-2:111122223333:key/hmac-old';
    const rotated = buildKmsKeyring(new KMSClient({ region: 'eu-west-2' }), keyId, 'k2', [{ version: 'k1', keyId: oldKey }]);
    kms.on(GenerateMacCommand, { KeyId: keyId }).resolves({ Mac: Uint8Array.from([2]) });
    kms.on(GenerateMacCommand, { KeyId: oldKey }).resolves({ Mac: Uint8Array.from([1]) });

    expect(rotated.version).toBe('k2');
    expect(rotated.previous!.map((key) => key.version)).toEqual(['k1']);
    await expect(rotated.mac('v1|phone|+18605550100')).resolves.toEqual(Uint8Array.from([2]));
    await expect(rotated.previous![0]!.mac('v1|phone|+18605550100')).resolves.toEqual(Uint8Array.from([1]));
    expect(kms.commandCalls(GenerateMacCommand).map((call) => call.args[0].input.KeyId)).toEqual([keyId, oldKey]);
  });
});
