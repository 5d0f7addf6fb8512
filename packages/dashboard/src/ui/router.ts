/** A tiny hash router: `#/page/arg?x=y` → { page, rest, query }; the project lives in the query. */
import { useEffect, useState } from "preact/hooks";

/** The parsed current route. */
export interface Route {
  page: string;
  rest: string;
  query: URLSearchParams;
}

function parse(): Route {
  const h = location.hash.replace(/^#\/?/, "");
  const [path = "", q = ""] = h.split("?");
  const [page = "overview", ...rest] = path.split("/");
  return { page: page || "overview", rest: rest.map(decodeURIComponent).join("/"), query: new URLSearchParams(q) };
}

/** The current route, updated on hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** A hash link to a page for a project. */
export function href(page: string, project: string, rest = "", extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ project, ...extra });
  const r = rest === "" ? "" : "/" + rest.split("/").map(encodeURIComponent).join("/");
  return `#/${page}${r}?${q}`;
}
