import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The laptop's stand-ins for the KMS keys, made on first start in `DATA_DIR/keys` (owner-only
 * permissions) and reused after: an HMAC key, two P-256 signing keys (the audit key,
 * `signing-key.pem`, which signed everything before statement types; the alert key,
 * `alert-signing-key.pem`, for receipts and publications), an AES key for summaries.
 */
export interface LocalKeyMaterial {
  readonly hmacKey: Buffer;
  readonly signingKeyPem: string;
  readonly alertSigningKeyPem: string;
  readonly dataKey: Buffer;
}

export function loadOrCreateLocalKeys(dataDir: string): LocalKeyMaterial {
  const dir = join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(dir, name);
  const secret = (name: string) => {
    if (!existsSync(file(name))) writeFileSync(file(name), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    return Buffer.from(readFileSync(file(name), 'utf8').trim(), 'hex');
  };
  const ecKey = (name: string) => {
    if (!existsSync(file(name))) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(file(name), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    return readFileSync(file(name), 'utf8');
  };
  return {
    hmacKey: secret('hmac.key'),
    signingKeyPem: ecKey('signing-key.pem'),
    alertSigningKeyPem: ecKey('alert-signing-key.pem'),
    dataKey: secret('data.key'),
  };
}
