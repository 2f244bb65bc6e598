// TypeScript definitions of alc.js, the ALC browser wallet's API.

import * as wasm from './alc_wasm.js';
export { wasm };

/** Field elements and 64-bit integers are decimal strings, as in the ALC JSON files. */
export type Decimal = string;

/** The authority's credential file (`POST /v1/credentials`, `alc example`). */
export interface CredentialFile {
  type: 'alc-credential';
  /** The authority's EdDSA-Poseidon public key [x, y]. */
  issuer: [Decimal, Decimal];
  credential: {
    serial: number;
    tier: number;
    permit: Decimal;
    permit_tier: number;
    not_before: Decimal;
    expires: Decimal;
    /** Poseidon(secret) */
    holder: Decimal;
  };
  signature: { R8: [Decimal, Decimal]; S: Decimal };
}

/** The holder secret file: keep it on the device. */
export interface HolderFile {
  type: 'alc-holder-secret';
  secret: Decimal;
  commitment: Decimal;
}

/** The authority's published list (`GET /v1/status/list`) or an `alc-status-list` file. */
export interface PublishedStatusList {
  encoded_list: string;
  root?: Decimal;
  epoch?: number;
  type?: 'alc-status-list';
  [field: string]: unknown;
}

/** A gateway's policy for one route class. */
export interface Policy {
  min_tier: number;
  min_permit_tier: number;
}

/** The body of a gateway's `GET /v1/lease/challenge`. */
export interface Challenge {
  challenge: string;
  now: Decimal;
  expires_at: number;
  scope: string;
  policy: { sandbox: Policy; autonomous: Policy };
  roots: { epoch: number; root: Decimal }[];
  status: { payload: string; signature: string } | null;
  issuer_key: [Decimal, Decimal];
}

/** What is proved (README, "Using the command line"). */
export interface ProofRequest {
  min_tier: number;
  min_permit_tier: number;
  now: Decimal;
  scope: string;
  /** hex, 16 to 64 bytes */
  challenge: string;
  /** SHA-256 of the agent manifest, hex */
  manifest: string;
}

/** `alc-presentation-v1`: what `POST /v1/lease` takes as `presentation`. */
export interface Presentation {
  circuit: 'alc-presentation-v1';
  /** 128 bytes, hex */
  proof: string;
  statement: Record<string, Decimal>;
}

export type ProveStage = 'prepare' | 'witness' | 'groth16';

export interface ProveOptions {
  /** SHA-256 (hex) of the agent manifest. */
  manifest?: string;
  /** The agent manifest's text, hashed when `manifest` is not given (default ''). */
  manifestText?: string;
  /** Which policy of the challenge to meet (default 'autonomous'). */
  route?: 'autonomous' | 'sandbox';
  /** The proving key (default: the last one `loadProvingKey` loaded). */
  key?: wasm.ProvingKey;
  /** Called as each stage starts, with the milliseconds since proving began. */
  onProgress?: (stage: ProveStage, ms: number) => void;
  /** The agent the lease is for: the answer then carries its `leaseRequest`. */
  agent?: string;
}

export interface Proved {
  presentation: Presentation;
  request: ProofRequest;
  /** The manifest digest bound in the proof (send it as `manifest` with the lease request). */
  manifest: string;
  /** Time spent in the prover, milliseconds. */
  ms: number;
  /** With `agent`: the body of `POST /v1/lease` (the protocol's `LeaseRequest`). */
  leaseRequest?: { presentation: Presentation; agent: string; manifest: string };
}

export interface KeyProgress {
  /** 'download' or 'read' (from the cache) while bytes arrive, then 'check'. */
  stage: 'download' | 'read' | 'check';
  loaded: number;
  total: number;
}

export interface KeyInfo {
  source: 'cache' | 'network';
  bytes: number;
  /** Reading the bytes (Cache API or network), each chunk hashed in WebAssembly as it arrives. */
  fetchMs: number;
  /** Comparing the digest and decoding the key in WebAssembly. */
  loadMs: number;
  totalMs: number;
}

/** Name of the Cache API cache holding verified proving keys. */
export const KEY_CACHE: string;

/** Instantiates the WebAssembly module once; `source` as wasm-bindgen's init takes it. */
export function initWasm(source?: unknown): Promise<unknown>;

/** SHA-256 of text (UTF-8) or bytes, lowercase hex. */
export function sha256Hex(data: string | BufferSource): Promise<string>;

/**
 * Loads the fast-load proving key from `url` (or the Cache API after the first time),
 * checks its SHA-256 against `digest` in WebAssembly before use, and makes it the key
 * `prove` uses.
 */
export function loadProvingKey(
  url: string | URL,
  digest: string,
  options?: { onProgress?: (p: KeyProgress) => void },
): Promise<KeyInfo & { key: wasm.ProvingKey }>;

/** Forgets every cached proving key. */
export function clearKeyCache(): Promise<void>;

/** Decodes (and caches by root) a status list; its root must match its bitstring. */
export function decodeStatusList(statusList: PublishedStatusList | string | wasm.StatusList): Promise<wasm.StatusList>;

/** The holder's status path for a serial, computed locally. */
export function statusPath(
  statusList: PublishedStatusList | string | wasm.StatusList,
  serial: number,
): Promise<{ serial: number; root: Decimal; revoked: boolean; leaf: Decimal; siblings: Decimal[][] }>;

/** A new holder secret file. */
export function generateHolder(): Promise<HolderFile>;

/** Checks a credential file's signature under its issuer and returns it. */
export function parseCredential(credential: CredentialFile | string): Promise<CredentialFile>;

/** The request a challenge asks for, with the manifest digest. */
export function requestFor(challenge: Challenge | ProofRequest, manifest: string, route?: 'autonomous' | 'sandbox'): Promise<ProofRequest>;

/** Proves the credential satisfies the challenge. Blocks its thread for about a second: use `ProverWorker` in pages. */
export function prove(
  credential: CredentialFile | string,
  secret: HolderFile | string,
  statusList: PublishedStatusList | string | wasm.StatusList,
  challenge: Challenge | ProofRequest,
  options?: ProveOptions,
): Promise<Proved>;

/** Verifies a presentation; the key defaults to the loaded proving key's verifying key. */
export function verify(
  presentation: Presentation | string,
  verifyingKey?: wasm.VerifyingKey | Uint8Array | ArrayBuffer,
): Promise<boolean>;

/** The same API in a Web Worker. */
export class ProverWorker {
  constructor(url?: string | URL);
  loadProvingKey(url: string | URL, digest: string, options?: { onProgress?: (stage: string, p: KeyProgress) => void }): Promise<KeyInfo>;
  prove(
    credential: CredentialFile | string,
    secret: HolderFile | string,
    statusList: PublishedStatusList | string,
    challenge: Challenge | ProofRequest,
    options?: Omit<ProveOptions, 'key'>,
  ): Promise<Proved>;
  verify(presentation: Presentation | string): Promise<boolean>;
  generateHolder(): Promise<HolderFile>;
  terminate(): void;
}
