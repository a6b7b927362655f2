// The contract's SupervisorService over the Connect protocol (unary, JSON): the same messages, in the
// proto3 JSON mapping, as grpcurl shows them (docs/api.md). int64 fields arrive as strings.
//
// Offsets of any size (docs/api.md, "Offsets of any size"): an int64 offset is 0 when the value does not fit,
// and its `<name>Decimal` sibling is always exact, so `exact` puts each sibling in place of its int64 field
// before a page reads the response: every page shows exact offsets (as strings) without knowing the rule.

const SERVICE = "/streamvisor.v1.SupervisorService/";

export class ApiError extends Error {
  constructor(body, httpStatus) {
    super(body.message || `HTTP ${httpStatus}`);
    this.code = body.code || "unknown";
    const info = (body.details || []).find((d) => d.type === "google.rpc.ErrorInfo");
    this.reason = info && info.debug ? info.debug.reason : "";
    this.metadata = info && info.debug ? info.debug.metadata || {} : {};
    const bad = (body.details || []).find((d) => d.type === "google.rpc.BadRequest");
    this.fields = bad && bad.debug ? (bad.debug.fieldViolations || []) : [];
  }
}

let token = sessionStorage.getItem("streamvisor.token") || "";

export function setToken(value) {
  token = value;
  if (value) sessionStorage.setItem("streamvisor.token", value);
  else sessionStorage.removeItem("streamvisor.token");
}

function headers(extra) {
  const h = { ...extra };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

async function parse(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    body = { code: "unknown", message: `HTTP ${response.status} ${response.statusText}` };
  }
  if (!response.ok) throw new ApiError(body, response.status);
  return exact(body);
}

function exact(value) {
  if (Array.isArray(value)) return value.map(exact);
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [key, field] of Object.entries(value)) out[key] = exact(field);
  for (const [key, field] of Object.entries(value)) {
    if (key.endsWith("Decimal") && typeof field === "string") out[key.slice(0, -"Decimal".length)] = field;
  }
  return out;
}

export async function call(method, request = {}) {
  const response = await fetch(SERVICE + method, {
    method: "POST",
    headers: headers({ "content-type": "application/json", "connect-protocol-version": "1" }),
    body: JSON.stringify(request),
  });
  return parse(response);
}

// Who the token belongs to (actor, role), so the pages hide what the role may not do.
export async function session() {
  return parse(await fetch("/console/session", { headers: headers({}) }));
}

export const num = (v) => (v === undefined || v === null || v === "" ? null : Number(v));
export const stateName = (s) => String(s || "").replace("SUPERVISOR_STATE_", "");
