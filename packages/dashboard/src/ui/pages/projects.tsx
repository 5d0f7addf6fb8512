/** Projects: keys (add, retire), CORS origins, anonymous access, limits; mint a token (shown once). */
import { useState } from "preact/hooks";
import { rpc } from "../api.js";
import { Copy, ErrorBox, Panel } from "../components.js";
import { useLoad } from "../hooks.js";

interface Project {
  name: string;
  anonymous: string;
  corsOrigins: string[];
  keys: { kid: string; alg: string; createdAt: string }[];
  limits: Record<string, number>;
}
type Answer = { project: Project; key?: { kid: string; secret?: string } };

const field = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

/** The projects page. */
export function Projects(props: { project: string; onCreated: () => void }) {
  const p = props.project;
  const r = useLoad(() => rpc<Answer>("getProject", p), [p]);
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [error, setError] = useState<string>();
  const act = async (f: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await f();
      r.reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const cfg = r.data?.project;
  return (
    <div>
      <ErrorBox error={error} />
      {secret && (
        <p class="secret" data-testid="secret">
          {secret.label} (shown once): <Copy value={secret.value} label={secret.value} />
        </p>
      )}
      <Panel title="New project">
        <form
          class="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            const name = field(e.currentTarget, "name");
            void act(async () => {
              const a = await rpc<Answer>("createProject", { name });
              if (a.key?.secret) setSecret({ label: `Key ${a.key.kid} of ${name}`, value: a.key.secret });
              props.onCreated();
            });
          }}
        >
          <input name="name" placeholder="project name" />
          <button type="submit">create</button>
        </form>
      </Panel>
      {!cfg ? (
        <ErrorBox
          error={r.error && `${p}: ${r.error} (the open default project of local dev has no stored settings)`}
        />
      ) : (
        <>
          <Panel title={`Keys of ${cfg.name}`}>
            <table class="list" data-testid="keys">
              <tbody>
                {cfg.keys.map((k) => (
                  <tr data-kid={k.kid}>
                    <td>
                      <code>{k.kid}</code>
                    </td>
                    <td>{k.alg}</td>
                    <td>{k.createdAt}</td>
                    <td>
                      <button type="button" name="retire" onClick={() => void act(() => rpc("retireKey", p, k.kid))}>
                        retire
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button
              type="button"
              name="add-key"
              onClick={() =>
                void act(async () => {
                  const a = await rpc<Answer>("addKey", p, {});
                  if (a.key?.secret) setSecret({ label: `Key ${a.key.kid}`, value: a.key.secret });
                })
              }
            >
              add HS256 key
            </button>
          </Panel>
          <Panel title="Settings">
            <form
              class="settings"
              onSubmit={(e) => {
                e.preventDefault();
                const f = e.currentTarget;
                const origins = field(f, "cors")
                  .split(/[\s,]+/)
                  .filter((s) => s !== "");
                const limits = Object.fromEntries(
                  Object.keys(cfg.limits).map((k) => [k, Number(field(f, `limit-${k}`))]),
                );
                void act(() =>
                  rpc("updateProject", p, { anonymous: field(f, "anonymous"), corsOrigins: origins, limits }),
                );
              }}
            >
              <label>
                anonymous access{" "}
                <select name="anonymous" value={cfg.anonymous}>
                  <option value="none">none</option>
                  <option value="read">read</option>
                  <option value="write">write</option>
                </select>
              </label>
              <label>
                CORS origins <input name="cors" value={cfg.corsOrigins.join(" ")} />
              </label>
              {Object.entries(cfg.limits).map(([k, v]) => (
                <label>
                  {k} <input name={`limit-${k}`} type="number" value={v} />
                </label>
              ))}
              <button type="submit">save</button>
            </form>
          </Panel>
          <Panel title="Mint a token">
            <form
              class="toolbar"
              onSubmit={(e) => {
                e.preventDefault();
                const f = e.currentTarget;
                const streams = field(f, "streams").trim();
                void act(async () => {
                  const t = await rpc<{ token: string; expiresAt: string }>("mintToken", p, {
                    sub: field(f, "sub"),
                    scope: field(f, "scope"),
                    ttlSeconds: Number(field(f, "ttl")),
                    ...(streams ? { streams: streams.split(/[\s,]+/) } : {}),
                  });
                  setSecret({ label: `Token (expires ${t.expiresAt})`, value: t.token });
                });
              }}
            >
              <input name="sub" placeholder="subject" value="dashboard" />
              <select name="scope">
                <option value="read">read</option>
                <option value="write">write</option>
                <option value="manage">manage</option>
              </select>
              <input name="streams" placeholder="streams (patterns, optional)" />
              <input name="ttl" type="number" value="3600" />
              <button type="submit">mint</button>
            </form>
          </Panel>
        </>
      )}
    </div>
  );
}
