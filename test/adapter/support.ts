/**
 * Shared by the adapter tests: registers aws-sdk-client-mock-vitest's matchers (the manual
 * set-up its README describes; vitest.config.ts has no setup file) and builds SDK errors the
 * way the SDK's deserialisers do.
 */
import { expect } from 'vitest';
import { allCustomMatcher, type BaseMatcher } from 'aws-sdk-client-mock-vitest';
import { KMSServiceException } from '@aws-sdk/client-kms';

expect.extend(allCustomMatcher);

declare module 'vitest' {
  interface Matchers<T = any> extends BaseMatcher<T> {}
}

/**
 * KMS errors that client-kms does not model as classes (ThrottlingException,
 * AccessDeniedException) arrive as a KMSServiceException carrying the error code as its name.
 */
export function unmodeledKmsError(name: string, message = name): KMSServiceException {
  return new KMSServiceException({ name, message, $fault: 'client', $metadata: {} });
}
