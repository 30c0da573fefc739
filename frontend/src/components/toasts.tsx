// Toast notifications: errors from the server and short confirmations. A page's own toasts
// (useScopedToast) go with the page: leaving it dismisses them.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

export type ToastKind = "error" | "info" | "success";
interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

type Push = (kind: ToastKind, text: string) => number;
const ToastContext = createContext<{ push: Push; dismiss: (id: number) => void }>({ push: () => 0, dismiss: () => {} });

export function ToastProvider({ children }: { children: React.ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const push = useCallback(
    (kind: ToastKind, text: string) => {
      const id = nextId.current++;
      setToasts((t) => {
        // Collapse repeats of the same message instead of stacking them.
        const rest = t.filter((x) => x.text !== text).slice(-4);
        return [...rest, { id, kind, text }];
      });
      setTimeout(() => dismiss(id), kind === "error" ? 7000 : 3500);
      return id;
    },
    [dismiss],
  );
  const value = useMemo(() => ({ push, dismiss }), [push, dismiss]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
            <span>{t.text}</span>
            <button className="toast-close" onClick={() => dismiss(t.id)} aria-label="Dismiss">
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): (kind: ToastKind, text: string) => void {
  const { push } = useContext(ToastContext);
  return useCallback((kind: ToastKind, text: string) => void push(kind, text), [push]);
}

/** Like useToast, but the toasts it shows are dismissed when the calling component unmounts
 *  (an editor's errors do not follow the user to the project page). */
export function useScopedToast(): (kind: ToastKind, text: string) => void {
  const { push, dismiss } = useContext(ToastContext);
  const mine = useRef(new Set<number>());
  useEffect(() => {
    const ids = mine.current;
    return () => {
      for (const id of ids) dismiss(id);
      ids.clear();
    };
  }, [dismiss]);
  return useCallback(
    (kind: ToastKind, text: string) => {
      mine.current.add(push(kind, text));
    },
    [push],
  );
}
