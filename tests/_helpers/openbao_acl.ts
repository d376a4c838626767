/**
 * OpenBao's ACL, for the in-process test server: how the rules of a token's
 * policies are merged, and which rule decides a request.
 *
 * It follows `internal/vault/policy/policy.go` (`parsePaths`: a trailing `*`
 * makes a prefix rule unless the path also has a `+` segment),
 * `internal/vault/policy/acl.go` (`NewACL`: rules for the same path from
 * several policies are unioned and `deny` wins; `AllowOperation`: an exact
 * rule first, then `CheckAllowedFromNonExactPaths`: the longest prefix and
 * the segment-wildcard rules, ranked by its `less` function) and
 * `internal/vault/logical_system.go` (`hasMountAccess`: any non-deny rule at
 * or under the mount, glob rules included).
 *
 * @module
 */

/** A policy rule: capabilities on a path (`*` at the end is a prefix, `+` one segment). */
export interface PolicyRule {
  path: string;
  capabilities: string[];
}

/** The operations a request maps to (`logical.Operation`). */
export type AclOperation =
  | "read"
  | "list"
  | "create"
  | "update"
  | "delete"
  | "patch";

/** The merged rules of a token's policies (`policy.ACL`). */
export interface Acl {
  /** The token has the `root` policy: everything is allowed. */
  readonly root: boolean;
  readonly exact: ReadonlyMap<string, ReadonlySet<string>>;
  readonly prefix: ReadonlyMap<string, ReadonlySet<string>>;
  /** Keyed by the rule's path as written, trailing `*` kept (as `NewACL` does). */
  readonly segment: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Merges the rules of `policyNames` (`NewACL`). Unknown policy names add
 * nothing, as in OpenBao.
 */
export function buildAcl(
  policyNames: readonly string[],
  policies: ReadonlyMap<string, readonly PolicyRule[]>,
): Acl {
  const exact = new Map<string, Set<string>>();
  const prefix = new Map<string, Set<string>>();
  const segment = new Map<string, Set<string>>();
  if (policyNames.includes("root")) {
    return { root: true, exact, prefix, segment };
  }
  for (const name of policyNames) {
    for (const rule of policies.get(name) ?? []) {
      // policy.go parsePaths: "+" as a whole segment makes a segment-wildcard
      // rule (its "*" is kept); otherwise a trailing "*" is stripped into a
      // prefix rule.
      const path = rule.path;
      const hasSegment = path === "+" || path.includes("/+") ||
        path.startsWith("+/");
      const isPrefix = !hasSegment && path.endsWith("*");
      const tree = hasSegment ? segment : isPrefix ? prefix : exact;
      const key = isPrefix ? path.slice(0, -1) : path;
      const existing = tree.get(key);
      if (existing === undefined) {
        tree.set(key, new Set(rule.capabilities));
      } else if (existing.has("deny")) {
        // NewACL: an existing deny keeps everything else out.
      } else if (rule.capabilities.includes("deny")) {
        tree.set(key, new Set(["deny"]));
      } else {
        for (const capability of rule.capabilities) existing.add(capability);
      }
    }
  }
  return { root: false, exact, prefix, segment };
}

/**
 * The capabilities that decide `path` (`AllowOperation` with
 * `capCheckOnly`), or `undefined` when no rule matches. `path` has no leading
 * slash; a list path ends with `/`.
 */
function capabilitiesFor(
  acl: Acl,
  path: string,
  listing: boolean,
): ReadonlySet<string> | undefined {
  const exact = acl.exact.get(path);
  if (exact !== undefined) return exact;
  if (listing) {
    const trimmed = acl.exact.get(path.replace(/\/$/, ""));
    if (trimmed !== undefined) return trimmed;
  }
  const nonExact = fromNonExactPaths(acl, path);
  if (nonExact !== undefined) return nonExact;
  // A list path is tried with its trailing slash first, then without.
  if (listing && path.endsWith("/")) {
    return fromNonExactPaths(acl, path.slice(0, -1));
  }
  return undefined;
}

/** Whether the ACL allows `operation` on `path` (`AllowOperation`). */
export function allows(
  acl: Acl,
  path: string,
  operation: AclOperation,
): boolean {
  if (acl.root) return true;
  const capabilities = capabilitiesFor(acl, path, operation === "list");
  if (capabilities === undefined || capabilities.has("deny")) return false;
  return capabilities.has(operation);
}

/**
 * Whether the token may see the mount at `mountPath` (with its trailing
 * slash), as `sys/internal/ui/mounts` decides (`hasMountAccess`): a non-deny
 * rule that decides the mount path itself, or any non-deny rule under it,
 * exact, prefix or segment wildcard.
 */
export function hasMountAccess(acl: Acl, mountPath: string): boolean {
  if (acl.root) return true;
  const direct = capabilitiesFor(acl, mountPath, true);
  if (direct !== undefined && !direct.has("deny") && direct.size > 0) {
    return true;
  }
  const grants = (capabilities: ReadonlySet<string>): boolean =>
    !capabilities.has("deny") &&
    [...capabilities].some((c) =>
      ["create", "delete", "list", "read", "sudo", "update", "patch", "scan"]
        .includes(c)
    );
  for (const tree of [acl.exact, acl.prefix]) {
    for (const [path, capabilities] of tree) {
      if (path.startsWith(mountPath) && grants(capabilities)) return true;
    }
  }
  // CheckAllowedFromNonExactPaths in bareMount mode: a segment-wildcard rule
  // whose segments up to the mount's match it.
  const mountParts = mountPath.split("/");
  for (const [rule, capabilities] of acl.segment) {
    if (!grants(capabilities)) continue;
    const ruleParts = rule.replace(/\*$/, "").split("/");
    const matches = mountParts.slice(0, -1).every((part, i) =>
      ruleParts[i] === undefined || ruleParts[i] === "+" ||
      ruleParts[i] === part ||
      (i === ruleParts.length - 1 && rule.endsWith("*") &&
        part.startsWith(ruleParts[i]!))
    );
    if (matches) return true;
  }
  return false;
}

interface Candidate {
  readonly firstWildcard: number;
  readonly isPrefix: boolean;
  readonly wildcards: number;
  readonly path: string;
  readonly capabilities: ReadonlySet<string>;
}

/**
 * `CheckAllowedFromNonExactPaths`: the longest prefix rule competes with the
 * matching segment-wildcard rules; the winner is the highest by `less`.
 */
function fromNonExactPaths(
  acl: Acl,
  path: string,
): ReadonlySet<string> | undefined {
  const candidates: Candidate[] = [];
  let longest: string | undefined;
  for (const prefix of acl.prefix.keys()) {
    if (
      path.startsWith(prefix) &&
      (longest === undefined || prefix.length > longest.length)
    ) {
      longest = prefix;
    }
  }
  if (longest !== undefined) {
    if (acl.segment.size === 0) return acl.prefix.get(longest);
    candidates.push({
      firstWildcard: longest.length,
      isPrefix: true,
      wildcards: 0,
      path: longest,
      capabilities: acl.prefix.get(longest)!,
    });
  }
  const pathParts = path.split("/");
  for (const [rule, capabilities] of acl.segment) {
    const isPrefix = rule.endsWith("*");
    const body = isPrefix ? rule.slice(0, -1) : rule;
    const ruleParts = body.split("/");
    if (pathParts.length < ruleParts.length) continue;
    if (!isPrefix && ruleParts.length !== pathParts.length) continue;
    let wildcards = 0;
    const matches = ruleParts.every((part, i) => {
      if (part === "+") {
        wildcards++;
        return true;
      }
      if (part === pathParts[i]) return true;
      return isPrefix && i === ruleParts.length - 1 &&
        pathParts[i]!.startsWith(part);
    });
    if (!matches) continue;
    candidates.push({
      firstWildcard: rule.indexOf("+"),
      isPrefix,
      wildcards,
      path: body,
      capabilities,
    });
  }
  if (candidates.length === 0) return undefined;
  candidates.sort(lowerPriorityFirst);
  return candidates.at(-1)!.capabilities;
}

/** acl.go's `less`: negative when `a` has the lower priority. */
function lowerPriorityFirst(a: Candidate, b: Candidate): number {
  if (a.firstWildcard !== b.firstWildcard) {
    return a.firstWildcard - b.firstWildcard;
  }
  if (a.isPrefix !== b.isPrefix) return a.isPrefix ? -1 : 1;
  if (a.wildcards !== b.wildcards) return b.wildcards - a.wildcards;
  if (a.path.length !== b.path.length) return a.path.length - b.path.length;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * The built-in `default` policy's rules that matter to a KV client
 * (`internal/vault/policy/policy_store.go`, `DefaultPolicy`). Every token
 * gets it unless it was made with `-no-default-policy` (or a role's
 * `token_no_default_policy`); it alone grants `lookup-self` and `renew-self`.
 */
export const DEFAULT_POLICY: readonly PolicyRule[] = [
  { path: "auth/token/lookup-self", capabilities: ["read"] },
  { path: "auth/token/renew-self", capabilities: ["update"] },
  { path: "auth/token/revoke-self", capabilities: ["update"] },
  { path: "sys/capabilities-self", capabilities: ["update"] },
  { path: "sys/internal/ui/resultant-acl", capabilities: ["read"] },
  { path: "sys/leases/renew", capabilities: ["update"] },
  { path: "sys/leases/lookup", capabilities: ["update"] },
  {
    path: "cubbyhole/*",
    capabilities: ["create", "read", "update", "delete", "list"],
  },
  { path: "sys/wrapping/wrap", capabilities: ["update"] },
  { path: "sys/wrapping/lookup", capabilities: ["update"] },
  { path: "sys/wrapping/unwrap", capabilities: ["update"] },
  { path: "sys/tools/hash", capabilities: ["update"] },
  { path: "sys/tools/hash/*", capabilities: ["update"] },
];

/**
 * The policies a new token carries (`sdk/helper/policyutil`,
 * `SanitizePolicies`): lower-cased, de-duplicated, `root` alone when
 * present, and `default` added unless `noDefaultPolicy`.
 */
export function sanitizePolicies(
  names: readonly string[],
  noDefaultPolicy: boolean,
): string[] {
  const cleaned = names.map((n) => n.trim().toLowerCase()).filter((n) =>
    n !== ""
  );
  if (cleaned.includes("root")) return ["root"];
  if (!noDefaultPolicy && !cleaned.includes("default")) cleaned.push("default");
  return [...new Set(cleaned)].sort();
}
