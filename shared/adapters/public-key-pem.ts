/** A DER SubjectPublicKeyInfo (what KMS GetPublicKey and node's spki export give) as PEM. */
export function derToPem(der: Uint8Array): string {
  const base64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PUBLIC KEY-----\n${base64}\n-----END PUBLIC KEY-----\n`;
}
