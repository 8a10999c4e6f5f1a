/** Counting semaphore with FIFO waiters; `acquire` honours an AbortSignal so a stopped rollout stops waiting. */
export class Semaphore {
  private inFlight = 0;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new Error(`semaphore size must be >= 1, got ${max}`);
  }

  get active(): number {
    return this.inFlight;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.inFlight < this.max) {
      this.inFlight++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const w = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiters.shift();
      if (next) next.resolve(); // the slot passes straight to the next waiter
      else this.inFlight--;
    };
  }
}

/**
 * Caps concurrent requests per LLM endpoint, independently of the number of workers: 32 workers can share an
 * endpoint that serves 8 requests at a time. The LLM agent gets a fetch wrapped by `wrapFetch`.
 */
export class EndpointLimiter {
  private readonly sems = new Map<string, Semaphore>();

  constructor(private readonly defaultMax: number, private readonly perEndpoint: Record<string, number> = {}) {}

  private key(url: string): string {
    try {
      const u = new URL(url);
      return `${u.protocol}//${u.host}${u.pathname.replace(/\/(chat\/completions|completions|responses)\/?$/, '').replace(/\/$/, '')}`;
    } catch {
      return url;
    }
  }

  semaphore(baseUrl: string): Semaphore {
    const k = this.key(baseUrl);
    let s = this.sems.get(k);
    if (!s) {
      s = new Semaphore(this.perEndpoint[k] ?? this.defaultMax);
      this.sems.set(k, s);
    }
    return s;
  }

  /** A fetch that holds one slot of `baseUrl`'s semaphore for the whole request, body included. */
  wrapFetch(baseUrl: string, inner: typeof fetch = fetch): typeof fetch {
    const sem = this.semaphore(baseUrl);
    return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const release = await sem.acquire(init?.signal ?? undefined);
      let res: Response;
      try {
        res = await inner(input, init);
      } catch (e) {
        release();
        throw e;
      }
      if (!res.body) {
        release();
        return res;
      }
      // Streaming responses keep the slot until the body is consumed or cancelled.
      const reader = res.body.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          try {
            const { done, value } = await reader.read();
            if (done) {
              release();
              ctrl.close();
            } else ctrl.enqueue(value);
          } catch (e) {
            release();
            ctrl.error(e);
          }
        },
        cancel(reason) {
          release();
          return reader.cancel(reason);
        },
      });
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    }) as typeof fetch;
  }

  snapshot(): Array<{ url: string; in_flight: number; max: number }> {
    return [...this.sems.entries()].map(([url, s]) => ({ url, in_flight: s.active, max: s.max }));
  }
}
