// Secrets a production deployment must set for itself: the development defaults are public (they are in
// this repository), `.env.example`'s `change-me…` values are placeholders, and a short or repetitive
// value is guessable. Checked once at boot, naming the variable (never the value).

/** Defaults that ship in this repository or in the software it talks to. */
const KNOWN_DEFAULTS = new Set(
  [
    "dev-insecure-secret",
    "dev-turn-secret",
    "dev-jitsi-secret",
    "S3RVER", // @20minutes/s3rver's built-in credentials (the zero-config start)
    "minioadmin", // MinIO's
    "secret",
    "password",
  ].map((s) => s.toLowerCase()),
);

export const MIN_SECRET_LENGTH = 32;
/** `openssl rand -hex 16` (the shortest accepted) has fewer than 8 distinct digits once in 30 million. */
const MIN_DISTINCT_CHARS = 8;

/** Why `value` cannot be a production secret, or undefined when it can. */
export function weakSecretReason(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return "is not set";
  if (/^change-?me/i.test(value)) return "is still the .env.example placeholder";
  if (KNOWN_DEFAULTS.has(value.toLowerCase())) return "is a published default";
  if (value.length < MIN_SECRET_LENGTH) return `is shorter than ${MIN_SECRET_LENGTH} characters`;
  if (new Set(value).size < MIN_DISTINCT_CHARS) return "does not look random";
  return undefined;
}

/** The password in a connection URL (postgres://user:password@host/db), if it has one. */
function urlPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Throws, naming every offending variable, unless each named value is a real secret (and so is the
 * password in `databaseUrl`, when it has one: peer or trust authentication has none). Generate them
 * with `openssl rand -hex 32`.
 */
export function assertProductionSecrets(
  secrets: Record<string, string | undefined>,
  opts: { databaseUrl?: string } = {},
): void {
  const password = opts.databaseUrl === undefined ? undefined : urlPassword(opts.databaseUrl);
  const all = password === undefined ? secrets : { ...secrets, "the password in DATABASE_URL": password };
  const problems = Object.entries(all).flatMap(([name, value]) => {
    const reason = weakSecretReason(value);
    return reason ? [`${name} ${reason}`] : [];
  });
  if (problems.length) {
    throw new Error(
      `production needs real secrets (generate each with \`openssl rand -hex 32\`): ${problems.join("; ")}`,
    );
  }
}

/** Refuses values that are only fine in development (e.g. the embedded S3 server's access key). */
export function assertNotDefault(values: Record<string, string | undefined>): void {
  const defaults = Object.entries(values).filter(
    ([, v]) => v !== undefined && (KNOWN_DEFAULTS.has(v.toLowerCase()) || /^change-?me/i.test(v)),
  );
  if (defaults.length) {
    throw new Error(
      `production refuses development defaults and placeholders: set ${defaults.map(([k]) => k).join(", ")}`,
    );
  }
}
