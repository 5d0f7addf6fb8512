/** The dashboard UI entry: mounts the app. */
import { render } from "preact";

render(<h1>Durable Streams dashboard</h1>, document.getElementById("app")!);
