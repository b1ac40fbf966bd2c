// The browser page of `qualcode serve`: the shared workspace over fetch().
import { fetchBackend, mount } from "./workspace.js";

mount(document.getElementById("qualcode-app"), fetchBackend(), {});
