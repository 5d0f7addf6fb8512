/** Data loading for pages: one async call, re-run when its keys change. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/** The state of a load. */
export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `keys` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const lastTick = useRef(tick);
  useEffect(() => {
    let live = true;
    // A reload keeps the data on screen; new keys (another project, stream, page) drop it.
    const reloading = lastTick.current !== tick;
    lastTick.current = tick;
    setState((s) => (reloading ? { ...s, loading: true } : { loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (e: unknown) => live && setState({ error: e instanceof Error ? e.message : String(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...keys, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload } as Loaded<T>;
}
