/**
 * An AWS SDK client whose module is loaded on its first `send`, not when the function starts.
 * Every Lambda bundle wires KMS, SNS and S3 adapters, but most invocations of most functions
 * use one of them or none; loading those three client modules at start-up roughly doubled the
 * time spent importing the SDK. The adapters only ever call `send`, and import their command
 * classes when they send, from the same (by then cached) module.
 */
export function lazyClient<Client extends { send(command: never): Promise<unknown> }>(load: () => Promise<Client>): Client {
  let client: Promise<Client> | undefined;
  const lazy = {
    send: async (command: never) => {
      client ??= load().catch((error: unknown) => {
        client = undefined;
        throw error;
      });
      return (await client).send(command);
    },
  };
  // Only `send` exists on it, which is all the adapters use.
  return lazy as unknown as Client;
}
