// Stands in for @inquirer/prompts in tests/prompt_lazy_test.ts: evaluating
// it leaves a mark, so the test can tell whether the module was loaded.
(globalThis as { __inquirerLoaded?: boolean }).__inquirerLoaded = true;
export {};
