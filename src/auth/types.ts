/**
 * Authentication from the OpenAPI security schemes: the credentials a caller gives, by scheme
 * name, and what the run needs to apply them.
 */

/** A ready secret: a bearer token, an OAuth2 / OpenID Connect access token, or an API key. */
export interface TokenCredential {
  readonly token: string;
}

/** An API key (the same as `{ token }` for an `apiKey` scheme; the name Respect's `x-security` uses). */
export interface ApiKeyCredential {
  readonly apiKey: string;
}

/** HTTP Basic. */
export interface BasicCredential {
  readonly username: string;
  readonly password: string;
}

/** OAuth2 client credentials grant (an `oauth2` scheme with a clientCredentials flow, or `openIdConnect`). */
export interface ClientCredential {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes to ask for; default: the scopes the operation's security requirement lists. */
  readonly scopes?: readonly string[];
  /** Token endpoint; default: the scheme's `tokenUrl` (oauth2) or the discovered `token_endpoint` (openIdConnect). */
  readonly tokenUrl?: string;
  /**
   * How the client authenticates to the token endpoint: `basic` (HTTP Basic, the default that
   * RFC 6749 requires servers to support) or `post` (client_id and client_secret in the form).
   * With openIdConnect the default follows `token_endpoint_auth_methods_supported`.
   */
  readonly clientAuth?: 'basic' | 'post';
}

export type Credential = TokenCredential | ApiKeyCredential | BasicCredential | ClientCredential;

/**
 * Credentials by security scheme name: `schemeName`, or `sourceName.schemeName` when several
 * OpenAPI sources define schemes of the same name (the qualified key wins). Pass the same object
 * to many runs and OAuth2 tokens are fetched once for all of them.
 */
export type AuthCredentials = Readonly<Record<string, Credential>>;

/** The kind of credential a scheme needs, for messages. */
export type CredentialKind = 'token' | 'basic' | 'client';

/** Something that remembers secrets for masking (the run's masker). */
export interface SecretSink {
  add(value: unknown): unknown;
}
