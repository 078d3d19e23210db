// The session flow through the typed client, run by node against a live server (BASE_URL):
// every call is type-checked against the generated types, and every answer checked here.
import createClient from "openapi-fetch";
import type { paths } from "./api";

// The two members of node's `process` used here (the tools install no @types/node).
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

const client = createClient<paths>({ baseUrl: process.env.BASE_URL });
const password = "correct horse battery staple";

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`expected ${what}`);
}

async function flow(): Promise<void> {
  const email = `ts-${Date.now()}@example.com`;
  const registered = await client.POST("/api/v1/auth/register", { body: { email, password } });
  expect(registered.response.status === 201 && !!registered.data, "register: 201");
  const first = registered.data!;
  // Register answers tokens unless EMAIL_VERIFICATION is mandatory; its type says both.
  if (!("refresh_token" in first)) throw new Error("expected register: tokens");

  const refreshed = await client.POST("/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } });
  expect(refreshed.response.status === 200 && !!refreshed.data, "refresh: 200");
  const replayed = await client.POST("/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } });
  expect(replayed.response.status === 401 && replayed.error?.status === "fail", "replay: 401 envelope");
  const ended = { Authorization: `Bearer ${refreshed.data!.access_token}` };
  expect((await client.GET("/api/v1/auth/user", { headers: ended })).response.status === 401, "reuse ends the session");

  const login = await client.POST("/api/v1/auth/login", { body: { email, password } });
  const headers = { Authorization: `Bearer ${login.data!.access_token}` };
  const other = await client.POST("/api/v1/auth/login", { body: { email, password } });
  const listed = await client.GET("/api/v1/auth/sessions", { headers });
  const sessions = listed.data?.sessions ?? [];
  expect(sessions.length === 2 && sessions.filter((s) => s.current).length === 1, "two sessions, one current");
  const otherId = sessions.find((s) => !s.current)!.id;
  const gone = await client.DELETE("/api/v1/auth/sessions/{id}", { params: { path: { id: otherId } }, headers });
  expect(gone.response.status === 204, "end one session: 204");
  const otherRefresh = await client.POST("/api/v1/auth/refresh", { body: { refresh_token: other.data!.refresh_token } });
  expect(otherRefresh.response.status === 401, "its refresh token: 401");

  const changed = await client.PUT("/api/v1/auth/password", {
    headers, body: { current_password: password, new_password: "a new and longer passphrase" },
  });
  expect(changed.response.status === 200 && changed.data?.message === "password changed", "password changed");
  expect((await client.GET("/api/v1/auth/user", { headers })).response.status === 401, "earlier sessions end");
  const fresh = { Authorization: `Bearer ${changed.data!.access_token}` };
  const everywhere = await client.DELETE("/api/v1/auth/sessions", { headers: fresh });
  expect(everywhere.response.status === 204, "log out everywhere: 204");
  expect((await client.GET("/api/v1/auth/user", { headers: fresh })).response.status === 401, "no session left");
}

flow().then(
  () => console.log("session flow: ok"),
  (error) => {
    console.error(String(error));
    process.exit(1);
  },
);
