import { runSweep, type SweepReport } from '#shared/domain/sweep.ts';
import { lambdaDeps } from './http/lambda-deps.ts';

/** The scheduled sweep (an EventBridge schedule invokes it; it takes no input). */
export const handler = async (): Promise<SweepReport> => runSweep(lambdaDeps());
