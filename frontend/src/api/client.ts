// Thin fetch wrapper for the REST API: session cookie + CSRF header, readable errors.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public body: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function getCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

/** A field's message as a user reads it: without the raw key ("username: A user with that
 *  username already exists." → the sentence alone, when it names the field), else with the
 *  field's name in words ("max_frames: ..." → "Max frames: ..."). */
function withField(key: string, message: string): string {
  const words = key.replace(/[_.]+/g, " ").trim();
  if (!words || /^\d+$/.test(words)) return message;
  const stem = words.toLowerCase().replace(/s$/, "");
  if (message.toLowerCase().includes(stem)) return message;
  return `${words[0].toUpperCase()}${words.slice(1)}: ${message}`;
}

/** The first readable message out of a DRF error body ({detail}, {field: [msg]}, [msg]). */
export function errorMessage(body: unknown, status: number): string {
  if (typeof body === "string" && body.trim()) return body.trim().slice(0, 300);
  if (Array.isArray(body) && body.length) return errorMessage(body[0], status);
  if (body && typeof body === "object") {
    const obj = body as Record<string, unknown>;
    if (typeof obj.detail === "string") return obj.detail;
    if (typeof obj.message === "string") return obj.message;
    for (const [key, val] of Object.entries(obj)) {
      const inner = errorMessage(val, status);
      if (inner) return key === "non_field_errors" ? inner : withField(key, inner);
    }
  }
  if (status === 413) return "The file is too large for this server.";
  if (status === 403) return "You do not have permission to do that.";
  if (status === 404) return "Not found.";
  return `Request failed (${status}).`;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export async function api<T = unknown>(
  path: string,
  opts: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = opts.method ?? (opts.body === undefined ? "GET" : "POST");
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method)) {
    const token = getCookie("csrftoken");
    if (token) headers["X-CSRFToken"] = token;
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(body, res.status), body);
  return body as T;
}

/** Follows DRF pagination ({count,next,results}) and also accepts plain lists. */
export async function apiList<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  let url: string | null = path;
  for (let page = 0; url && page < 50; page++) {
    const body: unknown = await api(url);
    if (Array.isArray(body)) return body as T[];
    const paged = body as { results: T[]; next: string | null };
    out.push(...paged.results);
    url = paged.next ? relativeUrl(paged.next) : null;
  }
  return out;
}

function relativeUrl(u: string): string {
  try {
    const parsed = new URL(u, window.location.origin);
    return parsed.pathname + parsed.search;
  } catch {
    return u;
  }
}

export interface UploadHandle {
  promise: Promise<unknown>;
  abort: () => void;
}

/** Multipart upload through XHR, because fetch has no upload progress events. */
export function uploadFile(
  path: string,
  file: File,
  onProgress: (fraction: number) => void,
  fields: Record<string, string> = {},
): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<unknown>((resolve, reject) => {
    xhr.open("POST", path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Accept", "application/json");
    const token = getCookie("csrftoken");
    if (token) xhr.setRequestHeader("X-CSRFToken", token);
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) onProgress(ev.loaded / ev.total);
    };
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* keep text */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, errorMessage(body, xhr.status), body));
    };
    xhr.onerror = () => reject(new ApiError(0, "Network error during upload."));
    xhr.onabort = () => reject(new ApiError(0, "Upload cancelled."));
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", file);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
