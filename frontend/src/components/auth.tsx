// Who is signed in: GET /api/me/ once (it also sets the csrftoken cookie), then login/logout.
import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { api, ApiError } from "../api/client";
import type { Me } from "../api/types";

interface AuthValue {
  me: Me | null;
  loading: boolean;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: React.ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let alive = true;
    api<Me>("/api/me/")
      .then((m) => alive && setMe(m))
      .catch((e) => {
        if (!(e instanceof ApiError && (e.status === 401 || e.status === 403))) console.error(e);
        if (alive) setMe(null);
      })
      .finally(() => alive && setLoading(false));
    return () => {
      alive = false;
    };
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const m = await api<Me>("/api/auth/login/", { body: { username, password } });
    setMe(m);
    // Django rotates the CSRF token on login; refresh the cookie before unsafe calls.
    await api<Me>("/api/me/").catch(() => {});
  }, []);

  const logout = useCallback(async () => {
    await api("/api/auth/logout/", { method: "POST" }).catch(() => {});
    setMe(null);
  }, []);

  return <AuthContext.Provider value={{ me, loading, login, logout }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error("useAuth outside AuthProvider");
  return v;
}
