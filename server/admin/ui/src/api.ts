// The console's only way to the server: the JSON API of docs/ADMIN.md.

export class ApiError extends Error {
  constructor(public status: number, message: string) {
    super(message);
  }
}

let csrf = "";

export function setCsrf(token: string): void {
  csrf = token;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await res.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(res.status, `${res.status}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || `HTTP ${res.status}`);
  return data as T;
}

export const get = <T>(path: string) => call<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => call<T>("POST", path, body);
export const del = <T>(path: string) => call<T>("DELETE", path);
export const enc = encodeURIComponent;

export interface SessionInfo { admin: string; csrf: string }
export interface Counters {
  connections: number; players: number; rooms: number; objects: number;
  messages_in_total: number; bytes_in_total: number; messages_out_total: number; bytes_out_total: number;
  slow_consumer_warnings_total: number; slow_consumer_disconnects_total: number;
  rate_limited_total: number; logins_total: number; login_failures_total: number;
}
export interface Sample {
  t: string; connections: number; players: number; rooms: number; objects: number;
  msgs_in_per_s: number; msgs_out_per_s: number; bytes_in_per_s: number; bytes_out_per_s: number;
  slow_consumers_per_s: number; rate_limited_per_s: number;
}
export interface Overview {
  node: string; nodes: string[]; version: string; started: string; uptime_seconds: number;
  counters: Counters; samples: Sample[]; sample_every_seconds: number;
}
export interface RoomSummary {
  name: string; private: boolean; members: number; objects: number;
  master: number; master_name: string; created: string; node: string;
}
export interface Session {
  id: number; name: string; address: string; connected_at: string;
  transport: string; queue_bytes: number; room: string;
}
export interface Field { field: number; value: unknown; type: string; hex: string; error?: string }
export interface ObjectDetail {
  id: string; prefab: string; token: string; owner: number; generation: number;
  mode: string; lifetime: string; state_bytes: number; fields: Field[];
}
export interface RoomDetail extends Omit<RoomSummary, "members" | "objects"> { members: Session[]; objects: ObjectDetail[] }
export interface Ban { user: string; until: string; reason: string; by: string; set: string; active: boolean }
export interface Account { name: string; created_at: string; online: boolean; ban: Ban | null }
export interface Players { sessions: Session[]; accounts: Account[] }
export interface Throttle { key: string; failures: number; blocked_until: string; last_failure: string }
export interface Player {
  name: string; account: Account | null; session: Session | null; ban: Ban | null;
  throttle: { account: Throttle; address: Throttle };
}
export interface AuditRow { id: number; time: string; admin: string; action: string; target: string; detail: string }
