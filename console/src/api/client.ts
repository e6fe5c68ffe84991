// One typed client per service, generated from openapi/<api>.json, all
// through the console's proxy (/api/<service>/) on this origin. Writes
// carry the CSRF header the console requires; the session cookie is
// HttpOnly and sent by the browser, never touched here.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths as ComputePaths } from "./gen/compute";
import type { paths as IdentityPaths } from "./gen/identity";
import type { paths as ImagePaths } from "./gen/image";
import type { paths as MeteringPaths } from "./gen/metering";
import type { paths as NetworkPaths } from "./gen/network";
import type { paths as VolumePaths } from "./gen/volume";

export type { components as Compute } from "./gen/compute";
export type { components as Identity } from "./gen/identity";
export type { components as Image } from "./gen/image";
export type { components as Metering } from "./gen/metering";
export type { components as Network } from "./gen/network";
export type { components as Volume } from "./gen/volume";

export const CSRF_HEADER = "X-Stratus-Console";

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD") {
      request.headers.set(CSRF_HEADER, "1");
    }
    return request;
  },
};

function origin(): string {
  return typeof location === "undefined" ? "http://localhost" : location.origin;
}

function make<P extends {}>(service: string) {
  const c = createClient<P>({ baseUrl: `${origin()}/api/${service}`, credentials: "same-origin" });
  c.use(csrf);
  return c;
}

export const compute = make<ComputePaths>("compute");
export const network = make<NetworkPaths>("network");
export const image = make<ImagePaths>("image");
export const volume = make<VolumePaths>("volume");
export const identity = make<IdentityPaths>("identity");
export const metering = make<MeteringPaths>("metering");

/** An API's refusal: its status and its own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * The message of an OpenStack error body in any dialect: Keystone's
 * `{"error": {"message"}}`, Nova's and Cinder's `{"itemNotFound": {"message"}}`,
 * Neutron's `{"NeutronError": {"message"}}`, Glance's HTML page.
 */
export function errorMessage(body: unknown, status: number): string {
  if (typeof body === "string") {
    // Glance: "<h1>404 Not Found</h1> the message<br />"
    const afterTitle = body.match(/<\/h1>([\s\S]*?)(<br|<\/body>|$)/i)?.[1] ?? body;
    const text = afterTitle.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
    return text || `Request failed (${status})`;
  }
  if (body && typeof body === "object") {
    for (const value of Object.values(body as Record<string, unknown>)) {
      if (value && typeof value === "object" && "message" in value) {
        const m = (value as { message: unknown }).message;
        if (typeof m === "string" && m) return m;
      }
    }
    if ("message" in body && typeof (body as { message: unknown }).message === "string") {
      return (body as { message: string }).message;
    }
  }
  return `Request failed (${status})`;
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call, or an [`ApiError`] with the API's message. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event("stratus:logged-out"));
    throw new ApiError(response.status, errorMessage(error, response.status));
  }
  return data as T;
}
