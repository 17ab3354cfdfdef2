import js from "@eslint/js";
import { resolve } from "node:path";
import tseslint from "typescript-eslint";

const root = resolve(import.meta.dirname, "../..");

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.turbo/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": ["error", { allow: ["warn", "error"] }],
      "@typescript-eslint/no-explicit-any": ["error", { ignoreRestArgs: true }],
    },
  },
  {
    // Type-checked rules: a promise nobody awaits, or an assertion the compiler already knows, is a bug or noise.
    files: ["**/*.ts"],
    ignores: ["**/vitest.config.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      "@typescript-eslint/no-for-in-array": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
    },
  },
  {
    // The dashboard's script runs in the browser, as it is, with the browser's globals.
    files: ["query-api/assets/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: Object.fromEntries(
        ["window", "document", "location", "fetch", "EventSource", "CSS", "console", "setTimeout", "clearTimeout", "setInterval", "clearInterval"].map((g) => [
          g,
          "readonly",
        ]),
      ),
    },
  },
  {
    files: ["shared/devtools/**", "shared/testkit/**", "shared/system-tests/**", "**/cli.ts", "batch/src/migrate.ts"],
    rules: { "no-console": "off" },
  },
  {
    // Black-box tests read arbitrary JSON bodies; typing every response shape would add nothing.
    files: ["**/*.test.ts", "**/test/**", "shared/testkit/**", "shared/system-tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
