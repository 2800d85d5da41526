// A frontend's reading of geul through the types openapi-typescript generates
// from openapi.yaml (schema.d.ts, made by the Go test). It must type-check
// with tsc --strict: every key a full post, a list item or a search hit always
// carries is read without `!` or `?.`.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

/** The JSON body of a GET route's 200 answer, as openapi.yaml documents it. */
type Ok<P extends keyof paths> = paths[P]["get"] extends {
  responses: { 200: { content: { "application/json": infer B } } };
}
  ? B
  : never;

/** The query parameters a GET route takes. */
type Query<P extends keyof paths> = paths[P]["get"] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/**
 * A route that takes fields= answers the full shape or the trimmed one (a
 * union); without fields the full one comes, which Extract picks by name.
 */
type Full<B, Name extends keyof Schemas> = Extract<B, Schemas[Name]>;

async function getJSON<T>(base: string, path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
  const url = new URL(base.replace(/\/$/, "") + path);
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  if (!res.ok) {
    const p: Schemas["Problem"] = await res.json();
    throw new Error(`${p.status} ${p.title}: ${p.detail}`);
  }
  return (await res.json()) as T;
}

/** Reads a post by the slug lists give (category/slug). */
export async function readPost(base: string, slug: string, lang?: string): Promise<Schemas["Post"]> {
  const [category, name] = slug.split("/");
  if (category === undefined || name === undefined) throw new Error(`slug ${slug}: want category/slug`);
  const q: Query<"/posts/{category}/{slug}"> = { lang };
  const body = await getJSON<Full<Ok<"/posts/{category}/{slug}">, "PostResponse">>(
    base,
    `/posts/${encodeURIComponent(category)}/${encodeURIComponent(name)}`,
    q,
  );
  const post = body.post;
  const title: string = post.title[post.lang] ?? post.slug;
  const headings: string[] = post.toc.map((h) => `${h.level}:${h.id}:${h.text}`);
  const around: string = [post.prev, post.next].map((r) => (r === null ? "-" : r.slug)).join(" ");
  const updated: string = post.updated ?? post.date;
  console.log(title, post.html.length, post.content.length, headings, around, updated, post.readingMinutes, post.tags.join(","), post.translations, post.related.length, Object.keys(post.extra));
  return post;
}

/** Reads one page of the newest posts, then the next page's number. */
export async function readPage(base: string, page: number): Promise<number | null> {
  const q: Query<"/posts"> = { page, limit: 10, sort: "-date" };
  const body = await getJSON<Full<Ok<"/posts">, "ListResponse">>(base, "/posts", q);
  for (const item of body.posts) {
    const title: string = item.title[item.lang] ?? item.slug;
    console.log(item.slug, item.categorySlug, item.date, title, item.description, item.readingMinutes, item.tags.length);
  }
  const p = body.meta.pagination;
  console.log(`page ${p.page} of ${p.pages}, ${p.total} posts, ${p.limit} a page`);
  return p.next;
}

/** Reads a page trimmed by fields=: only slug is sure to be there. */
export async function readTitles(base: string): Promise<string[]> {
  const body = await getJSON<Full<Ok<"/posts">, "ListFieldsResponse">>(base, "/posts", { fields: "title" });
  return body.posts.map((item) => item.title?.["en"] ?? item.slug);
}

/** Searches, best first. */
export async function search(base: string, text: string): Promise<Schemas["SearchHit"][]> {
  const q: Query<"/search"> = { q: text, limit: 5 };
  const body: Ok<"/search"> = await getJSON(base, "/search", q);
  for (const hit of body.hits) {
    console.log(hit.slug, hit.snippet, hit.title[hit.lang], hit.date);
  }
  console.log(body.query, body.meta.total, body.meta.capped, body.meta.lang, body.meta.limit);
  return body.hits;
}
