/** Stands in for Node modules (fs, readline) that shared code imports for functions the console never calls. */
const nodeOnly = (name: string) => () => {
  throw new Error(`${name} is not available in the browser`);
};
export const createReadStream = nodeOnly('createReadStream');
export const open = nodeOnly('open');
export const readFile = nodeOnly('readFile');
export const createInterface = nodeOnly('createInterface');
export default {};
