import type { File, Test } from '@vitest/runner';
import type { Reporter } from 'vitest/reporters';

/**
 * Turns a spec file that failed to load into one failed test. Stryker's Vitest runner scores a mutant by the tests it
 * collected, and a file whose import throws has none: a static mutant that breaks module loading (a range table entry
 * emptied, so `BlockList.addSubnet` throws at import) was reported as survived although every spec of the module
 * fails. Only the mutation config uses this reporter.
 */
export class LoadFailureReporter implements Reporter {
  onFinished(files: File[] = []): void {
    for (const file of files) {
      if (file.result?.state !== 'fail' || file.tasks.length > 0) continue;
      const loads = {
        type: 'test',
        id: `${file.id}_loads`,
        name: 'the spec file loads',
        mode: 'run',
        file,
        suite: file,
        meta: {},
        result: { state: 'fail', errors: file.result.errors },
      };
      file.tasks.push(loads as unknown as Test);
    }
  }
}
