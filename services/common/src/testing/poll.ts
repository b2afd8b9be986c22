/**
 * Resolves once `check()` holds, re-checking every 20 ms; fails after `deadlineMs` naming `what`. For
 * state that changes on its own schedule (a periodic re-check, a log line written after the response),
 * where there is no event to wait for: polling a condition, not a fixed wait.
 */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  deadlineMs = 5000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
