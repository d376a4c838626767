// Preloaded with `node --import` by tests/prompt_lazy_test.ts on Node, where
// there is no import map: registers prompt_lazy_hooks, which resolves
// @inquirer/prompts to prompt_lazy_sentinel for every importer, the packed
// library included. Under Node this file runs compiled, beside the others.
import { register } from "node:module";

register(new URL("./prompt_lazy_hooks.js", import.meta.url), {
  data: {
    sentinel: new URL("./prompt_lazy_sentinel.js", import.meta.url).href,
  },
});
