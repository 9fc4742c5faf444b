// PLACEHOLDER so the CDK app can bundle the scheduled `sweeper`; the lifecycle work replaces this file.
export const handler = async (): Promise<void> => {};
