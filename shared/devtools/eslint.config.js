import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
    files: ["shared/devtools/**", "shared/testkit/**", "shared/system-tests/**", "**/cli.ts", "batch/src/migrate.ts"],
    rules: { "no-console": "off" },
  },
  {
    // Black-box tests read arbitrary JSON bodies; typing every response shape would add nothing.
    files: ["**/*.test.ts", "**/test/**", "shared/testkit/**", "shared/system-tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
