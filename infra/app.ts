import { buildApp } from './peerguard-stack.ts';

// Run by the CDK CLI (`cdk.json` "app"); the App synthesises itself on exit.
buildApp();
