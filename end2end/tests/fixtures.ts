import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';

export const PASSWORD = 'sessionboard';

/** User agents of the "devices" the tests play, so each context looks like its own device. */
export const DEVICES = {
  windowsChrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  iphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  macFirefox:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:132.0) Gecko/20100101 Firefox/132.0',
} as const;

export interface Device {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions: every test ends by asserting there were none. */
  errors: string[];
}

/** A new browser context with its own cookies and user agent: one "device". */
export async function openDevice(
  browser: Browser,
  userAgent: string,
  viewport = { width: 1280, height: 800 },
  /** The address the device appears to come from: the test server trusts loopback as a proxy. */
  forwardedFor?: string,
): Promise<Device> {
  const extraHTTPHeaders = forwardedFor ? { 'X-Forwarded-For': forwardedFor } : undefined;
  const context = await browser.newContext({ userAgent, viewport, extraHTTPHeaders });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    // The browser logs the 4xx answers the tests provoke on purpose; those are not app errors.
    if (message.type() === 'error' && !message.text().includes('Failed to load resource')) {
      errors.push(message.text());
    }
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

export async function waitForHydration(page: Page) {
  await page.locator('body[data-hydrated="true"]').waitFor();
}

export async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/sessions$/);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Your active sessions' })).toBeVisible();
  // The table loads after the heading; the new session is in it once it is there.
  await expect(currentRow(page)).toBeVisible();
}

/** The row of the session this device is using. */
export function currentRow(page: Page) {
  return page.getByRole('row').filter({ hasText: 'This device' });
}

export async function currentSessionId(page: Page): Promise<string> {
  const id = await currentRow(page).getAttribute('data-session-id');
  expect(id).toBeTruthy();
  return id!;
}

export async function screenshot(page: Page, name: string) {
  const dir = path.join(__dirname, '..', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Screenshots at desktop and at phone width, restoring the desktop size afterwards. */
export async function screenshots(page: Page, name: string) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** Confirms the open confirmation dialog with its button `label`. */
export async function confirmWith(page: Page, label: string) {
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: label, exact: true }).click();
  await expect(dialog).toBeHidden();
}

export const test = base;
export { expect };

/**
 * The first mail the test SMTP server (scripts/smtp_sink.py, started by scripts/e2e.sh) received
 * for `to` whose text matches `body`, parsed as a mail client would; waits for it.
 */
export async function waitForMail(to: string, body: RegExp, timeoutMs = 20_000): Promise<ParsedMail> {
  const dir = process.env.MAIL_DIR;
  if (!dir) throw new Error('MAIL_DIR is not set: run the tests through scripts/e2e.sh');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = fs.readdirSync(dir).filter((file) => file.endsWith('.eml')).sort();
    for (const file of files) {
      const mail = await simpleParser(fs.readFileSync(path.join(dir, file)));
      const recipients = [mail.to ?? []].flat().flatMap((address) => address.value);
      if (recipients.some((r) => r.address === to) && body.test(mail.text ?? '')) return mail;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no mail to ${to} matching ${body} within ${timeoutMs} ms`);
}
