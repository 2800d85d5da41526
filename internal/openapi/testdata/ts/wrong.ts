// Must NOT type-check: a trimmed item's keys may be absent, and a full post
// has no key the document does not name. TestTypeScriptClient expects tsc to
// report each line marked below.
import type { components } from "./schema";

declare const item: components["schemas"]["PostItemFields"];
declare const post: components["schemas"]["Post"];

export const title: { [key: string]: string } = item.title; // absent-key
export const secret: string = post.secret; // unknown-key
