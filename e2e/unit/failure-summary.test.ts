/**
 * npm test's last lines: why each test failed (CI keeps only the tail of the log). Shapes as
 * Playwright's and vitest's JSON reporters write them.
 */
import { describe, expect, it } from 'vitest';
import { essentials, formatFailures, playwrightFailures, vitestFailures } from '@/lib/bin/support/failure-summary';

const root = '/repo';

describe('essentials', () => {
  it('keeps the message and a call log, drops colours, blank lines, the code frame and the stack', () => {
    const message = [
      '\u001b[31mError: expect(locator).toHaveText(expected) failed\u001b[39m',
      '',
      'Locator: getByTestId(\'server-error\')',
      'Expected: "The server refused it"',
      'Received: ""',
      'Call log:',
      '  - waiting for getByTestId(\'server-error\')',
      '  212 |   await page.getByTestId(\'confirm-resume\').click();',
      '    at /repo/e2e/ui/typed-decisions.spec.ts:213:5',
    ].join('\n');
    expect(essentials(message)).toBe(
      ['Error: expect(locator).toHaveText(expected) failed', "Locator: getByTestId('server-error')", 'Expected: "The server refused it"', 'Received: ""', 'Call log:', "  - waiting for getByTestId('server-error')"].join('\n'),
    );
  });
});

describe('playwrightFailures', () => {
  const report = {
    suites: [
      {
        title: 'typed-decisions.spec.ts',
        specs: [
          { title: 'passes', file: 'typed-decisions.spec.ts', line: 10, tests: [{ status: 'expected', results: [{ status: 'passed' }] }] },
          {
            title: 'resumes through a form',
            file: 'typed-decisions.spec.ts',
            line: 179,
            tests: [
              {
                status: 'unexpected',
                results: [
                  {
                    status: 'timedOut',
                    errors: [
                      { message: 'Test timeout of 60000ms exceeded.' },
                      { message: 'Error: page.screenshot: Test ended.\nCall log:\n  - fonts loaded', location: { file: '/repo/e2e/ui/helpers.ts', line: 131 } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
        suites: [
          {
            title: 'group',
            specs: [{ title: 'retried', file: 'typed-decisions.spec.ts', line: 300, tests: [{ status: 'flaky', results: [{ status: 'failed', errors: [{ message: 'Error: boom' }] }, { status: 'passed' }] }] }],
          },
        ],
      },
    ],
  };

  it('names each failed and each flaky test with its line, and says what it was doing (the second error after a timeout)', () => {
    const failures = playwrightFailures(report, root);
    expect(failures).toEqual([
      {
        where: 'e2e/ui/typed-decisions.spec.ts:179',
        title: 'resumes through a form',
        message: 'Test timeout of 60000ms exceeded.\nError: page.screenshot: Test ended.\nCall log:\n  - fonts loaded (at e2e/ui/helpers.ts:131)',
      },
      { where: 'e2e/ui/typed-decisions.spec.ts:300', title: 'group › retried — FLAKY: failed, then passed on its retry', message: 'Error: boom' },
    ]);
    expect(formatFailures('playwright', failures, 1)).toEqual([
      '  ✗ playwright e2e/ui/typed-decisions.spec.ts:179 › resumes through a form',
      '      Test timeout of 60000ms exceeded.',
      '      Error: page.screenshot: Test ended.',
      '      Call log:',
      '        - fonts loaded (at e2e/ui/helpers.ts:131)',
      '  … and 1 more playwright failures (above)',
    ]);
  });
});

describe('vitestFailures', () => {
  it('names failed tests with their line, and a file that failed outside its tests', () => {
    const report = {
      testResults: [
        {
          name: '/repo/e2e/api/events.test.ts',
          status: 'failed',
          assertionResults: [
            { status: 'passed', fullName: 'ok' },
            { status: 'failed', fullName: 'events pushes a delegation', location: { line: 42 }, failureMessages: ['AssertionError: expected 1 to be 2\n    at /repo/e2e/api/events.test.ts:44:7'] },
          ],
        },
        { name: '/repo/e2e/api/broken.test.ts', status: 'failed', message: 'Error: Cannot find module', assertionResults: [] },
      ],
    };
    expect(vitestFailures(report, root)).toEqual([
      { where: 'e2e/api/events.test.ts:42', title: 'events pushes a delegation', message: 'AssertionError: expected 1 to be 2' },
      { where: 'e2e/api/broken.test.ts', title: 'the file', message: 'Error: Cannot find module' },
    ]);
  });
});
