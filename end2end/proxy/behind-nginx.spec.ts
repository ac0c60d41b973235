import { expect, test } from '@playwright/test';
import { DEVICES, currentRow, openDevice, signIn } from '../tests/fixtures';

// nginx terminates TLS on 127.0.0.1 and reaches the server from 127.0.0.2, the only trusted
// proxy; the browser itself connects from 127.0.0.1. So the client address the server must
// record is 127.0.0.1, whatever the browser claims in its own forwarding headers.
test('behind nginx with TLS the cookie is secure, the address is the one nginx saw, and the app hydrates under a strict policy', async ({ browser }) => {
  const spoofed = await openDevice(browser, DEVICES.windowsChrome);
  await spoofed.context.setExtraHTTPHeaders({
    Forwarded: 'for=6.6.6.6;proto=https',
    'X-Real-IP': '7.7.7.7',
    // nginx appends the address it saw: "5.5.5.5, 127.0.0.1", and only the right end counts.
    'X-Forwarded-For': '5.5.5.5',
  });
  const { page, context } = spoofed;
  await signIn(page, 'henk@ektek.example');

  const cookies = await context.cookies();
  const session = cookies.find((cookie) => cookie.name === '__Host-sessionboard');
  expect(session, `cookies: ${cookies.map((cookie) => cookie.name).join(', ')}`).toBeTruthy();
  expect(session!.secure).toBe(true);
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe('Lax');
  expect(session!.path).toBe('/');

  const current = currentRow(page);
  await expect(current).toContainText('127.0.0.1');
  await expect(current).not.toContainText('6.6.6.6');
  await expect(current).not.toContainText('7.7.7.7');
  await expect(current).not.toContainText('5.5.5.5');

  const response = await page.goto('/sessions');
  expect(response!.status()).toBe(200);
  const headers = response!.headers();
  expect(headers['strict-transport-security']).toContain('max-age=');
  const policy = headers['content-security-policy'] ?? '';
  expect(policy).toMatch(/script-src [^;]*'nonce-[A-Za-z0-9+/=_-]+'/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(headers['cache-control']).toContain('no-store');
  await page.locator('body[data-hydrated="true"]').waitFor();

  // Hydrated under the policy: a CSP violation would be a console error.
  expect(spoofed.errors).toEqual([]);
  await context.close();
});

test('behind nginx a request from another site cannot sign anyone out', async ({ browser }) => {
  const device = await openDevice(browser, DEVICES.macFirefox);
  await signIn(device.page, 'marie@ektek.example');
  const forged = await device.context.request.post('/api/sign_out', {
    headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
    data: '',
  });
  expect(forged.status()).toBe(403);
  await device.page.reload();
  await expect(currentRow(device.page)).toBeVisible();
  expect(device.errors).toEqual([]);
  await device.context.close();
});
