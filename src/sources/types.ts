/**
 * What the engine needs to know about each OpenAPI operation, extracted once at load from the
 * dereferenced description, and the sources a document refers to.
 */
import type { ArazzoDocument, ArazzoVersion } from '../document/types.js';

export interface ServerVariableInfo {
  readonly default: string;
  readonly enum?: readonly string[];
}

export interface ServerInfo {
  /** As written, possibly with `{variables}`, possibly relative (resolved against the source URL by the engine). */
  readonly url: string;
  readonly variables: Readonly<Record<string, ServerVariableInfo>>;
}

export interface ParameterInfo {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie' | 'querystring';
  readonly required: boolean;
  /** Effective style and explode, with OpenAPI defaults applied (path simple, query form, header simple, cookie form). */
  readonly style: string;
  readonly explode: boolean;
  readonly allowReserved: boolean;
  readonly schema?: unknown;
  /** For `content`-described parameters (and `querystring`): the media type. */
  readonly contentType?: string;
}

export interface SecuritySchemeInfo {
  readonly name: string;
  /** 'http' | 'apiKey' | 'oauth2' | 'openIdConnect' | 'mutualTLS' | 'basic' (2.0) */
  readonly type: string;
  readonly scheme?: string;
  /** apiKey only. */
  readonly in?: 'query' | 'header' | 'cookie';
  readonly paramName?: string;
  /**
   * oauth2: the token URL of the client credentials flow (3.x `flows.clientCredentials.tokenUrl`,
   * 2.0 `flow: application`), as written (it may be relative to the server).
   */
  readonly tokenUrl?: string;
  /** oauth2: the flows the scheme declares (`clientCredentials`, `authorizationCode`, 2.0 `application`, ...). */
  readonly flows?: readonly string[];
  /** openIdConnect: the discovery document URL, as written. */
  readonly openIdConnectUrl?: string;
}

/**
 * One Security Requirement Object: scheme name to the scopes (or roles) it needs. `{}` means
 * "no authentication needed" (auth optional when it is one alternative among others).
 */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

export interface OperationInfo {
  readonly sourceName: string;
  readonly operationId?: string;
  /** JSON Pointer into the source, e.g. `/paths/~1pet~1{petId}/get`. */
  readonly pointer: string;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** e.g. `/v2/endpoint/{namespace}/{name}` */
  readonly pathTemplate: string;
  /** Effective servers: operation > path item > document; `[{url: '/'}]` when none. */
  readonly servers: readonly ServerInfo[];
  /** Path-item and operation parameters merged (operation wins on name+in). */
  readonly parameters: readonly ParameterInfo[];
  readonly requestBody?: { readonly required: boolean; readonly mediaTypes: readonly string[] };
  /** Response status keys ('200', '4XX', 'default') to their dereferenced Response Objects. */
  readonly responses: Readonly<Record<string, unknown>>;
  /** Security schemes that apply to this operation (for masking API keys, P21). */
  readonly security: readonly SecuritySchemeInfo[];
  /**
   * The effective Security Requirement Objects (the operation's `security`, else the document's),
   * as alternatives: any one of them satisfied is enough. Absent when neither declares any.
   */
  readonly securityRequirements?: readonly SecurityRequirement[];
}

export interface OpenApiSource {
  readonly kind: 'openapi';
  readonly name: string;
  /** Absolute URL or file path the description was loaded from. */
  readonly location: string;
  /** '2.0' | '3.0.x' | '3.1.x' */
  readonly specVersion: string;
  readonly operations: readonly OperationInfo[];
  readonly byOperationId: ReadonlyMap<string, OperationInfo>;
  /** By JSON pointer (without '#'). */
  readonly byPointer: ReadonlyMap<string, OperationInfo>;
  /** The description's security schemes by name (`components.securitySchemes`, 2.0 `securityDefinitions`). */
  readonly securitySchemes?: ReadonlyMap<string, SecuritySchemeInfo>;
  /** The dereferenced description (object cycles possible: never JSON.stringify it); contract checks read schemas from it. */
  readonly document?: Readonly<Record<string, unknown>>;
}

/**
 * What this layer needs of a loaded Arazzo document: an `arazzo` source holds one, and resolving a
 * `$sourceDescriptions.<name>.<workflowId>` reads its workflows. The loader's `LoadedDocument`
 * (src/compile/loaded.ts) extends it with the compiled workflows.
 */
export interface SourceDocument {
  /** Absolute file path, URL, or `<memory>` for an in-memory object. */
  readonly location: string;
  /** `$self` resolved, else the retrieval URI. */
  readonly baseUri: string;
  readonly version: ArazzoVersion;
  readonly document: ArazzoDocument;
  readonly sources: ReadonlyMap<string, LoadedSource>;
}

/** An `arazzo`-type source description, loaded recursively (cross-document workflows). */
export interface ArazzoSource<D extends SourceDocument = SourceDocument> {
  readonly kind: 'arazzo';
  readonly name: string;
  readonly location: string;
  readonly document: D;
}

/** A loaded source description: an indexed OpenAPI description or an Arazzo document. */
export type LoadedSource<D extends SourceDocument = SourceDocument> = OpenApiSource | ArazzoSource<D>;
