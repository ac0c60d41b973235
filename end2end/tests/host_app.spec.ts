import { type Page } from '@playwright/test';
import { DEVICES, confirmWith, currentRow, expect, openDevice, test, waitForHydration } from './fixtures';

// The example host application (examples/host-app), "Corner Shop": its own people and login,
// its sessions kept by Sessionboard. scripts/e2e.sh starts it and sets HOST_APP_URL.
const HOST_APP_URL = process.env.HOST_APP_URL ?? '';
const SHOP_PASSWORD = 'shop-password';

test.skip(!HOST_APP_URL, 'HOST_APP_URL is not set: scripts/e2e.sh starts the example host app and sets it');

/** Signs in at the shop's own login page, which knows nothing of Sessionboard's passwords. */
async function signInToShop(page: Page, email: string, name: string) {
  await page.goto(`${HOST_APP_URL}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(SHOP_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${name}` })).toBeVisible();
}

test("a host app's sessions show on Sessionboard, and ending one there signs that device out of the host", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(60_000);
  // Each device appears from a public address (the host app is started with TRUST_PROXY=1).
  const laptop = await openDevice(browser, DEVICES.windowsChrome, undefined, '81.2.69.142');
  const phone = await openDevice(browser, DEVICES.iphone, { width: 390, height: 844 }, '2.125.160.216');
  await signInToShop(laptop.page, 'ada@shop.example', 'Ada Lovelace');
  await signInToShop(phone.page, 'ada@shop.example', 'Ada Lovelace');

  // "Active sessions" goes through a one-time sign-in link; remember it to try it again below.
  const page = laptop.page;
  const linkRequest = page.waitForRequest((request) => request.url().includes('/sign-in-link?token='));
  await page.getByRole('link', { name: 'Active sessions' }).click();
  const link = (await linkRequest).url();
  // Sessionboard's own page, signed in as Ada without a password asked.
  await expect(page).toHaveURL(new URL('/sessions', baseURL).href);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Your active sessions' })).toBeVisible();
  await expect(page.locator('input[type="password"]')).toHaveCount(0);

  // The shop's two sessions, from the devices and addresses the shop passed on...
  const shopRows = page
    .locator('tbody tr')
    .filter({ has: page.locator('td[data-label="Application"]', { hasText: /^Corner Shop$/ }) });
  await expect(shopRows).toHaveCount(2);
  const laptopRow = shopRows.filter({ hasText: 'Windows' });
  await expect(laptopRow).toContainText('Chrome 131.0.0');
  await expect(laptopRow).toContainText('81.2.69.142');
  const phoneRow = shopRows.filter({ hasText: 'iOS' });
  await expect(phoneRow).toContainText('iOS 17.6.1');
  await expect(phoneRow).toContainText('2.125.160.216');
  // ...and the Sessionboard session the link made, which is this page's own.
  await expect(currentRow(page)).toHaveCount(1);
  await expect(currentRow(page)).toContainText('Corner Shop');
  await expect(shopRows.filter({ hasText: 'This device' })).toHaveCount(0);

  // Ada ends the phone's shop session here.
  const phoneSession = await phoneRow.getAttribute('data-session-id');
  await phoneRow.getByRole('button', { name: /Terminate/ }).click();
  await confirmWith(page, 'Terminate');
  await expect(page.locator(`tr[data-session-id="${phoneSession}"]`)).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'terminated' })).toHaveText('Session terminated.');

  // The shop asks Sessionboard on every request: the phone's next one finds its session ended.
  await phone.page.goto(`${HOST_APP_URL}/`);
  await expect(phone.page).toHaveURL(`${HOST_APP_URL}/login?ended=1`);
  await expect(phone.page.getByText('You were signed out: this session was ended.')).toBeVisible();
  // The laptop's shop session is untouched; logging out of the shop ends it in Sessionboard too.
  await page.goto(`${HOST_APP_URL}/`);
  await expect(page.getByRole('heading', { name: 'Welcome, Ada Lovelace' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(`${HOST_APP_URL}/login`);
  await page.goto(`${HOST_APP_URL}/`);
  await expect(page).toHaveURL(`${HOST_APP_URL}/login`);

  // The sign-in link worked once; in another browser, it signs nobody in.
  const stranger = await openDevice(browser, DEVICES.macFirefox);
  await stranger.page.goto(link);
  await expect(stranger.page).toHaveURL(/\/login\?link=invalid$/);
  await waitForHydration(stranger.page);
  await expect(stranger.page.getByText(/sign-in link/).first()).toBeVisible();
  await expect(stranger.page.getByRole('heading', { name: 'Your active sessions' })).toHaveCount(0);

  for (const device of [laptop, phone, stranger]) {
    expect(device.errors).toEqual([]);
    await device.context.close();
  }
});
