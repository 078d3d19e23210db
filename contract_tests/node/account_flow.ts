// Password reset and the second factor through the typed client, run by node against a live
// server (BASE_URL) in two steps, the mailed key read in between:
//   node account_flow.js request <email>        register, ask for a reset
//   node account_flow.js reset <email> <key>    reset with the key, then TOTP on and off
import createClient from "openapi-fetch";
import type { paths } from "./api";

// The members of node's `process` used here (the tools install no @types/node).
declare const process: {
  env: Record<string, string | undefined>;
  argv: string[];
  exit(code: number): never;
};

const client = createClient<paths>({ baseUrl: process.env.BASE_URL });
const password = "correct horse battery staple";
const newPassword = "a new and longer passphrase";

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`expected ${what}`);
}

function base32(text: string): Uint8Array<ArrayBuffer> {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bits = [...text.replace(/=+$/, "")]
    .map((c) => alphabet.indexOf(c).toString(2).padStart(5, "0"))
    .join("");
  const bytes = bits.match(/.{8}/g) ?? [];
  return new Uint8Array(bytes.map((b) => parseInt(b, 2)));
}

// The six-digit code an authenticator app shows `stepsFromNow` 30-second steps from now (RFC 6238).
async function totp(secret: string, stepsFromNow = 0): Promise<string> {
  const step = Math.floor(Date.now() / 30000) + stepsFromNow;
  const counter = new DataView(new ArrayBuffer(8));
  counter.setUint32(0, Math.floor(step / 2 ** 32));
  counter.setUint32(4, step >>> 0);
  const key = await crypto.subtle.importKey(
    "raw", base32(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, counter.buffer));
  const at = mac[19] & 0xf;
  const value = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
  return String(value % 1_000_000).padStart(6, "0");
}

async function request(email: string): Promise<void> {
  const registered = await client.POST("/api/v1/auth/register", { body: { email, password } });
  expect(registered.response.status === 201, "register: 201");
  const asked = await client.POST("/api/v1/auth/password/reset", { body: { email } });
  expect(asked.response.status === 202 && asked.data?.status === "success", "reset request: 202");
}

// The login's 403 when a factor is on: its body is narrowed to the mfa_token and methods.
async function challenge(email: string): Promise<string> {
  const login = await client.POST("/api/v1/auth/login", { body: { email, password: newPassword } });
  const error = login.error;
  expect(login.response.status === 403 && !!error, "login: 403");
  if (!error || !("mfa_token" in error)) throw new Error("expected login: an mfa_token");
  const methods: string[] = error.methods;
  expect(methods.includes("totp"), "methods: totp");
  return error.mfa_token;
}

async function reset(email: string, key: string): Promise<void> {
  const confirmed = await client.POST("/api/v1/auth/password/reset/confirm", {
    body: { key, new_password: newPassword },
  });
  expect(confirmed.response.status === 200 && !!confirmed.data?.access_token, "reset: tokens");
  const old = await client.POST("/api/v1/auth/login", { body: { email, password } });
  expect(old.response.status === 401 && old.error?.status === "fail", "old password: 401");
  const headers = { Authorization: `Bearer ${confirmed.data!.access_token}` };

  const begun = await client.POST("/api/v1/auth/mfa/totp", { headers, body: { current_password: newPassword } });
  expect(begun.response.status === 200 && !!begun.data, "totp: a secret");
  const secret = begun.data!.secret;
  const on = await client.PUT("/api/v1/auth/mfa/totp", { headers, body: { code: await totp(secret) } });
  expect(on.response.status === 200 && on.data?.recovery_codes.length === 10, "totp on: ten recovery codes");
  const recovery = on.data!.recovery_codes[0];

  const mfa_token = await challenge(email);
  // The next step's code: the one that turned TOTP on is spent.
  const byCode = await client.POST("/api/v1/auth/mfa/verify", { body: { mfa_token, code: await totp(secret, 1) } });
  expect(byCode.response.status === 200 && !!byCode.data?.access_token, "verify by code: tokens");
  const byRecovery = await client.POST("/api/v1/auth/mfa/verify", {
    body: { mfa_token: await challenge(email), recovery_code: recovery },
  });
  expect(byRecovery.response.status === 200, "verify by recovery code: tokens");
  const again = await client.POST("/api/v1/auth/mfa/verify", {
    body: { mfa_token: await challenge(email), recovery_code: recovery },
  });
  expect(again.response.status === 401 && again.error?.status === "fail", "a spent recovery code: 401");

  const status = await client.GET("/api/v1/auth/mfa", { headers });
  expect(status.data?.totp === true && status.data.recovery_codes_left === 9, "mfa: totp, nine codes left");
  const renewed = await client.POST("/api/v1/auth/mfa/recovery-codes", { headers, body: { current_password: newPassword } });
  expect(renewed.response.status === 200 && !renewed.data!.recovery_codes.includes(recovery), "new recovery codes");
  const off = await client.DELETE("/api/v1/auth/mfa/totp", { headers, body: { current_password: newPassword } });
  expect(off.response.status === 204, "totp off: 204");
  const plain = await client.POST("/api/v1/auth/login", { body: { email, password: newPassword } });
  expect(plain.response.status === 200 && !!plain.data?.access_token, "login without a factor: tokens");
}

const [step, email, key] = process.argv.slice(2);
(step === "request" ? request(email) : reset(email, key)).then(
  () => console.log(`account flow ${step}: ok`),
  (error) => {
    console.error(String(error));
    process.exit(1);
  },
);
