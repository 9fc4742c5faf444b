import type { ChildProcess } from 'node:child_process';

/**
 * The address a starting local server prints ("… running at http://…"), read from its output as
 * it arrives; refused with that output if the process exits first.
 */
export function announcedUrl(child: ChildProcess, output: () => string, name: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const found = /running at (http:\/\/\S+)/.exec(output());
      if (found) {
        clearInterval(timer);
        resolve(found[1]!);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${name} exited early:\n${output()}`));
      }
    }, 100);
  });
}
