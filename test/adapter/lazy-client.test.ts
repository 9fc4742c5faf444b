import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GenerateMacCommand, KMSClient } from '@aws-sdk/client-kms';
import { lazyClient } from '#shared/adapters/lazy-client.ts';
import { buildKmsKeyring } from '#shared/adapters/kms/kms-keyring.ts';

describe('lazy SDK client', () => {
  it('builds the client on the first send, once, and sends every command through it', async () => {
    const sent: string[] = [];
    let loads = 0;
    const client = lazyClient(async () => {
      loads += 1;
      return { send: async (command: { name: string }) => (sent.push(command.name), `answer to ${command.name}`) };
    });
    expect(loads).toBe(0);
    await expect(client.send({ name: 'first' } as never)).resolves.toBe('answer to first');
    await expect(Promise.all([client.send({ name: 'second' } as never), client.send({ name: 'third' } as never)])).resolves.toEqual([
      'answer to second',
      'answer to third',
    ]);
    expect(loads).toBe(1);
    expect(sent).toEqual(['first', 'second', 'third']);
  });

  it('tries to load again after a failed load instead of keeping the failure', async () => {
    let loads = 0;
    const client = lazyClient(async () => {
      loads += 1;
      if (loads === 1) throw new Error('module not found');
      return { send: async (_command: never) => 'ok' };
    });
    await expect(client.send({} as never)).rejects.toThrow('module not found');
    await expect(client.send({} as never)).resolves.toBe('ok');
    expect(loads).toBe(2);
  });

  it('works for a real SDK client behind a KMS adapter (the wiring runtime-aws.ts uses)', async () => {
    const kms = mockClient(KMSClient);
    kms.on(GenerateMacCommand).resolves({ Mac: new Uint8Array([1, 2, 3]) });
    const client = lazyClient<KMSClient>(async () => new (await import('@aws-sdk/client-kms')).KMSClient({ region: 'eu-west-2' }));
    const mac = await buildKmsKeyring(client, 'arn:aws:kms:eu-west-2:111122223333:key/h').mac('phone:+18605550100');
    expect([...mac]).toEqual([1, 2, 3]);
    expect(kms.commandCalls(GenerateMacCommand)[0]!.args[0].input).toMatchObject({
      KeyId: 'arn:aws:kms:eu-west-2:111122223333:key/h',
      MacAlgorithm: 'HMAC_SHA_256',
    });
    kms.restore();
  });
});
