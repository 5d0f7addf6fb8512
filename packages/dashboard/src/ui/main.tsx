/** The dashboard UI: a project picker, the navigation and the page of the current route. */
import { render } from "preact";
import { rpc } from "./api.js";
import { useLoad } from "./hooks.js";
import { href, useRoute } from "./router.js";
import { Console } from "./pages/console.js";
import { Estuary } from "./pages/estuary.js";
import { Inspector } from "./pages/inspector.js";
import { Overview } from "./pages/overview.js";
import { Projects } from "./pages/projects.js";
import { Streams } from "./pages/streams.js";

const PAGES = [
  ["overview", "Overview"],
  ["streams", "Streams"],
  ["estuary", "Estuary"],
  ["projects", "Projects"],
  ["console", "Test console"],
] as const;

function App() {
  const route = useRoute();
  const projects = useLoad(() => rpc<string[]>("projects"), []);
  const names = [...new Set(["default", ...(projects.data ?? [])])];
  const project = route.query.get("project") ?? "default";
  const page = route.page;
  return (
    <>
      <header>
        <strong>Durable Streams</strong>
        <nav>
          {PAGES.map(([id, label]) => (
            <a href={href(id, project)} class={page === id || (page === "stream" && id === "streams") ? "on" : ""}>
              {label}
            </a>
          ))}
        </nav>
        <label>
          project{" "}
          <select
            name="project"
            value={project}
            onChange={(e) => (location.hash = href(page === "stream" ? "streams" : page, e.currentTarget.value))}
          >
            {names.map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
      </header>
      <main data-page={page}>
        {page === "overview" && <Overview project={project} />}
        {page === "streams" && <Streams project={project} />}
        {page === "stream" && <Inspector project={project} name={route.rest} />}
        {page === "estuary" && <Estuary project={project} />}
        {page === "projects" && <Projects project={project} onCreated={projects.reload} />}
        {page === "console" && <Console project={project} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
