import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The browser behind a real nginx with TLS (scripts/e2e-proxy.sh starts both, and the server
// at BASE_URL behind them). The certificate is made for the run, so the browser is told to
// accept it.
export default defineConfig({
  ...base,
  testDir: './proxy',
  use: { ...base.use, ignoreHTTPSErrors: true },
});
