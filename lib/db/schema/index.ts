export * from './workflows';
export * from './executions';
export * from './approvals';
export * from './access';
export * from './operations';
export * from './notifications';
export * from './callbacks';
