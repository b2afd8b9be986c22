import type { AuthResponse, LoginBody, RegisterBody, Tokens, User } from "@messenger/protocol";
import { createStore } from "../stores/store";
import { errorFromResponse, networkError, RequestError } from "./errors";

export interface Session {
  user: User;
  accessToken: string;
  refreshToken: string;
}

/** The part of `Storage` we use, so tests can pass a Map-backed one. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const SESSION_KEY = "messenger.session";
/** Refresh this long before the access token expires, so a request never meets an expired one. */
const REFRESH_MARGIN_MS = 60_000;

/** Seconds-since-epoch `exp` of a JWT, without verifying it (the server does that). */
export function tokenExpiry(token: string): number | null {
  try {
    const part = token.split(".")[1];
    if (!part) return null;
    const json = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: number };
    return typeof json.exp === "number" ? json.exp : null;
  } catch {
    return null;
  }
}

export interface AuthOptions {
  /** Origin prefix for requests; "" in the browser (same origin). */
  baseUrl?: string;
  storage: KeyValueStorage;
  /** Serialises token rotation across tabs (navigator.locks); rotating the same refresh token twice revokes it. */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

/**
 * Sign-in state and authenticated requests. The refresh token lives in localStorage so a
 * reload keeps the session; the access token is refreshed silently before it expires and on a 401.
 */
export function createAuth(opts: AuthOptions) {
  const base = opts.baseUrl ?? "";
  const lock = opts.lock ?? ((_name, fn) => fn());
  const session = createStore<Session | null>(read());
  let refreshing: Promise<boolean> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function read(): Session | null {
    try {
      const raw = opts.storage.getItem(SESSION_KEY);
      return raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      return null;
    }
  }

  function save(s: Session | null) {
    if (s) opts.storage.setItem(SESSION_KEY, JSON.stringify(s));
    else opts.storage.removeItem(SESSION_KEY);
    session.set(s);
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    const s = session.get();
    const exp = s && tokenExpiry(s.accessToken);
    if (!exp) return;
    const delay = Math.max(0, exp * 1000 - Date.now() - REFRESH_MARGIN_MS);
    timer = setTimeout(() => void refresh(), Math.min(delay, 2 ** 31 - 1));
    // In node (tests) a pending refresh must not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  async function post<T>(path: string, body: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      throw networkError();
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  async function signIn(path: string, body: LoginBody | RegisterBody) {
    const r = await post<AuthResponse>(path, body);
    save({ user: r.user, accessToken: r.accessToken, refreshToken: r.refreshToken });
    return r.user;
  }

  /** Single-flight token rotation. Resolves false when the session is over (token revoked or expired). */
  function refresh(): Promise<boolean> {
    refreshing ??= lock("messenger.refresh", async () => {
      const current = session.get();
      const stored = read();
      // Another tab rotated the token while we waited for the lock: adopt its result.
      if (stored && current && stored.refreshToken !== current.refreshToken) {
        session.set(stored);
        schedule();
        return true;
      }
      const s = stored ?? current;
      if (!s) return false;
      try {
        const t = await post<Tokens>("/api/auth/refresh", { refreshToken: s.refreshToken });
        save({ ...s, ...t });
        return true;
      } catch (e) {
        if (e instanceof RequestError && e.status === 401) {
          save(null);
          return false;
        }
        schedule();
        throw e;
      }
    }).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  /** fetch with the access token; on a 401 refreshes once and retries. Returns the raw Response. */
  async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const attempt = () => {
      const headers = new Headers(init.headers);
      const token = session.get()?.accessToken;
      if (token) headers.set("authorization", `Bearer ${token}`);
      if (init.body && typeof init.body === "string" && !headers.has("content-type"))
        headers.set("content-type", "application/json");
      return fetch(base + path, { ...init, headers, credentials: "same-origin" });
    };
    let res = await attempt();
    if (res.status === 401 && session.get()) {
      if (await refresh()) res = await attempt();
    }
    return res;
  }

  /** JSON request helper that throws RequestError for non-2xx replies. */
  async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
    const { json, ...rest } = init;
    let res: Response;
    try {
      res = await apiFetch(path, json === undefined ? rest : { ...rest, body: JSON.stringify(json) });
    } catch {
      throw networkError();
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  schedule();

  return {
    session,
    user: () => session.get()?.user ?? null,
    accessToken: () => session.get()?.accessToken ?? null,
    register: (body: RegisterBody) => signIn("/api/auth/register", body),
    login: (body: LoginBody) => signIn("/api/auth/login", body),
    refresh,
    /** Company sign-in came back with a session's refresh token (in the URL fragment): sign in with it. */
    async adoptRefreshToken(refreshToken: string): Promise<User> {
      const t = await post<Tokens>("/api/auth/refresh", { refreshToken });
      let res: Response;
      try {
        res = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${t.accessToken}` } });
      } catch {
        throw networkError();
      }
      if (!res.ok) throw await errorFromResponse(res);
      const { user } = (await res.json()) as { user: User };
      save({ user, ...t });
      return user;
    },
    /** My profile changed (here or on another device): the session shows it. */
    setUser(user: User) {
      const s = session.get();
      if (s && s.user.id === user.id) save({ ...s, user });
    },
    apiFetch,
    api,
    /** The token may be about to expire (reload after a long pause): refresh before connecting. */
    async ensureFresh(): Promise<boolean> {
      const s = session.get();
      if (!s) return false;
      const exp = tokenExpiry(s.accessToken);
      if (exp && exp * 1000 - Date.now() > REFRESH_MARGIN_MS) return true;
      return refresh();
    },
    async logout() {
      const s = session.get();
      if (s) {
        await fetch(`${base}/api/auth/logout`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${s.accessToken}` },
          body: JSON.stringify({ refreshToken: s.refreshToken }),
          credentials: "same-origin",
        }).catch(() => undefined);
      }
      save(null);
    },
    /** Another tab signed in, rotated the token or signed out. */
    syncFromStorage() {
      const s = read();
      if (s?.refreshToken !== session.get()?.refreshToken) {
        session.set(s);
        schedule();
      }
    },
    dispose: () => clearTimeout(timer),
  };
}
export type Auth = ReturnType<typeof createAuth>;
