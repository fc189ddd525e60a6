/** Authentication from the OpenAPI security schemes (and Respect's `x-security`). */
export type { ApiKeyCredential, AuthCredentials, BasicCredential, ClientCredential, Credential, TokenCredential } from './types.js';
export { Authenticator, registerCredentials, type AuthorizeInput, type AuthRunContext, type Authorized } from './authenticator.js';
export { chooseRequirement, type Choice, type ChosenScheme } from './requirements.js';
export { compileXSecurity, evaluateXSecurity, type XSecurityPlan } from './x-security.js';
export { TokenCache, MAX_AUTH_RESPONSE_BYTES, type TokenTransport } from './oauth2.js';
