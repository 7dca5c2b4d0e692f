/**
 * For the load loops' timing properties: a shared, overloaded machine can deschedule the test process for tens of
 * milliseconds on its own, which no property of the loop survives; each property holds when the machine leaves the
 * run alone, so it gets `attempts` tries. An attempt fails by throwing (an assertion); the last failure is thrown.
 */
export async function withRetries(attempt: () => Promise<void>, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (i >= attempts) throw error;
    }
  }
}
