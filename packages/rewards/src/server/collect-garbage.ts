import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/**
 * Runs a full garbage collection; false when this runtime cannot. Node collects only under
 * allocation pressure, so after a request of tens of megabytes an idle server would keep that
 * garbage (hundreds of MB of RSS) until the next busy moment. `--expose-gc` set at run time
 * exposes `gc` to new contexts only: the process's own global object is left as it was.
 */
export function collectGarbage(): boolean {
  if (collect === undefined) {
    try {
      const existing = (globalThis as { gc?: () => void }).gc;
      if (typeof existing === 'function') collect = existing;
      else {
        setFlagsFromString('--expose-gc');
        const exposed = runInNewContext('typeof gc === "function" ? gc : null') as (() => void) | null;
        collect = exposed;
      }
    } catch {
      collect = null;
    }
  }
  if (!collect) return false;
  collect();
  return true;
}
