// What a TypeScript client developer writes against the generated types.
// `tsc --noEmit` must accept every call below and reject each `@ts-expect-error` line:
// a misspelt path, a missing field or an out-of-range value is a compile error.
import createClient from "openapi-fetch";
import type { components, paths } from "./api";

type Widget = components["schemas"]["Widget"];

const client = createClient<paths>({ baseUrl: "http://localhost:8000" });

export async function tour(email: string, password: string): Promise<Widget | undefined> {
  const registered = await client.POST("/api/v1/auth/register", { body: { email, password } });
  if (registered.error) {
    const refusal: string = registered.error.message;
    throw new Error(refusal);
  }
  const registeredAs = registered.data;
  if (!("access_token" in registeredAs)) {
    // EMAIL_VERIFICATION=mandatory: register answers without tokens until the address is verified
    throw new Error(registeredAs.message);
  }
  const token: string = registeredAs.access_token;
  const headers = { Authorization: `Bearer ${token}` };

  const me = await client.GET("/api/v1/auth/user", { headers });
  const isAdmin: boolean | undefined = me.data?.admin;

  await client.POST("/api/v1/widgets", {
    headers,
    params: { header: { "Idempotency-Key": "create-my-widget-1" } }, // a retry is answered, not done again
    body: { name: "my-widget", info_url: "https://www.example.com/my-widget", deadline: "12/31/2030" },
  });
  const page = await client.GET("/api/v1/widgets", { headers, params: { query: { page: 1, per_page: 25 } } });
  const names: string[] = page.data?.items.map((widget) => widget.name) ?? [];
  const next: string | undefined = page.data?.links.next;

  const item = { params: { path: { name: "my-widget" } }, headers };
  await client.PUT("/api/v1/widgets/{name}", {
    ...item,
    body: { info_url: "https://www.example.com/my-widget/v2", deadline: "2031-01-31" },
  });
  const fetched = await client.GET("/api/v1/widgets/{name}", item);
  const passed: boolean | undefined = fetched.data?.deadline_passed;
  await client.DELETE("/api/v1/widgets/{name}", item);
  const refreshed = await client.POST("/api/v1/auth/refresh", {
    body: { refresh_token: registeredAs.refresh_token },
  });
  const rotated: string | undefined = refreshed.data?.refresh_token;
  const sessions = await client.GET("/api/v1/auth/sessions", { headers });
  const current: boolean | undefined = sessions.data?.sessions[0]?.current;
  const session = { params: { path: { id: sessions.data?.sessions[0]?.id ?? "" } }, headers };
  await client.DELETE("/api/v1/auth/sessions/{id}", session);
  await client.DELETE("/api/v1/auth/sessions", { headers });
  const changed = await client.PUT("/api/v1/auth/password", {
    headers,
    body: { current_password: password, new_password: "a new and longer passphrase" },
  });
  const users = await client.GET("/api/v1/users", { headers, params: { query: { per_page: 10 } } });
  const account = { params: { path: { public_id: users.data?.items[0]?.public_id ?? "" } }, headers };
  const promoted = await client.PATCH("/api/v1/users/{public_id}", { ...account, body: { admin: true } });
  const admin: boolean | undefined = promoted.data?.admin;
  await client.DELETE("/api/v1/users/{public_id}", account);
  const loggedOut = await client.POST("/api/v1/auth/logout", { headers });
  const farewell: string | undefined = loggedOut.data?.message;

  // @ts-expect-error per_page is one of 5, 10, 25, 50, 100
  await client.GET("/api/v1/widgets", { headers, params: { query: { per_page: 7 } } });
  // @ts-expect-error a new widget needs a deadline
  await client.POST("/api/v1/widgets", { headers, body: { name: "w", info_url: "https://example.com" } });
  // @ts-expect-error the API has no such path
  await client.GET("/api/v1/gadgets", { headers });
  // @ts-expect-error a password change needs the current password
  await client.PUT("/api/v1/auth/password", { headers, body: { new_password: "a new and longer passphrase" } });
  // @ts-expect-error `admin` is a boolean
  await client.PATCH("/api/v1/users/{public_id}", { ...account, body: { admin: "yes" } });
  // @ts-expect-error a widget has no `owner_id`; its owner is an object
  const ownerId: string | undefined = fetched.data?.owner_id;

  console.log(isAdmin, names, next, passed, farewell, ownerId, rotated, current, changed.data?.message, admin);
  return fetched.data;
}
