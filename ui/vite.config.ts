/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// Tauri loads `ui/dist` from disk: relative asset paths, no dev-only tricks.
export default defineConfig({
  plugins: [preact()],
  base: "./",
  clearScreen: false,
  // The project README is read by a test (its shortcuts table), one level up.
  server: { port: 1420, strictPort: true, fs: { allow: [".."] } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "safari15",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
