import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3.x runs as CDK validation plugins: `cdk synth` fails on any finding that is not
 * acknowledged. Acknowledgments are made only through `acknowledge` below, each on the one
 * construct that has the finding, naming one finding (`Rule` or `Rule[finding]`), with a reason
 * specific to it. test/infra/nag.test.ts checks that every acknowledgment matches a finding.
 */
export const nagPacks = (app: App): NagPack[] => [new AwsSolutionsChecks(app), new ServerlessChecks(app)];

export function addNagPacks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}

/** Context flag that turns acknowledgments off (tests use it to list the raw findings). */
export const skipAcknowledgmentsContextKey = 'peerguard:skip-nag-acknowledgments';

export const findingIdPattern = /^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[[^\]\s][^\]]*\])?$/;

export function acknowledge(scope: IConstruct, finding: string, reason: string): void {
  if (!findingIdPattern.test(finding)) {
    throw new Error(`Acknowledge one finding by its id (Rule or Rule[finding]), not "${finding}"`);
  }
  if (reason.trim().length < 40) throw new Error(`The acknowledgment of ${finding} needs a specific reason`);
  if (scope.node.tryGetContext(skipAcknowledgmentsContextKey) === true) return;
  Validations.of(scope).acknowledge({ id: finding, reason });
}
