/**
 * What counts as a secret, in one place: environment variable names whose values must never be
 * written to a log or printed (`train.log` redaction), and credentials inside a URL
 * (`http://user:pass@host`), which are shown and stored without them.
 */

/** A name holding a secret anywhere in it (HF_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, GH_CREDENTIALS, OPENAI_API_KEY). */
const SECRET_ANYWHERE = /TOKEN|SECRET|PASSW(OR)?D|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY/i;
/** A name with one of these as a whole `_`-separated part (HF_AUTH, FTP_PASS, WANDB_KEY, GH_CREDS); PWD (the current folder) is none. */
const SECRET_PART = /(^|_)(AUTH|AUTHZ|AUTHORIZATION|PASS|PASSPHRASE|KEY|CREDS?|COOKIE|SESSION|BEARER)(_|$)/i;

export function isSecretName(name: string): boolean {
  return SECRET_ANYWHERE.test(name) || SECRET_PART.test(name);
}

/** The URL with any user name and password replaced by `***` (unchanged when it has none or is no URL). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "***";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, "//***@");
  }
}

