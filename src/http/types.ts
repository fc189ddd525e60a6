/**
 * The HTTP messages a run exchanges: the request as it goes on the wire and the response as it
 * comes back. Plain data, below everything that builds, signs, sends or checks them (`auth/`,
 * `engine/`, `contract/`); `engine/types.ts` re-exports them with the transport interface.
 */

export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Absolute URL, query string included. */
  readonly url: string;
  /** Header names as sent (case preserved); one value each. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface HttpResponse {
  readonly statusCode: number;
  /** Lower-case names; repeated headers joined with ", " (set-cookie joined with "\n"). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body decoded as UTF-8 text ('' when empty). */
  readonly bodyText: string;
}
