/**
 * The response headers of the console and the API reference wherever they are served: the
 * CloudFront distribution sets them on every answer (infra/web-stack.ts). Plain values, no CDK
 * types, so a local server can send the same ones.
 *
 * The Content-Security-Policy admits only this origin: no inline script or style, nothing from
 * a third party, no framing, no `<base>`, forms posting only here. The console and /docs must
 * be built to run under it (everything bundled, no inline `<script>`).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Two years, subdomains included; not on the preload list (that is the domain owner's choice). */
export const hstsMaxAgeSeconds = 63_072_000;

export const webSecurityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy,
  'Strict-Transport-Security': `max-age=${hstsMaxAgeSeconds}; includeSubDomains`,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};
